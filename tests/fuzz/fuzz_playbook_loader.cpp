// fuzz_playbook_loader: playbook files, account registries and finding files on untrusted input.
//
// Input: YAML. It is loaded as playbooks (against the built-in action registry) and as an
// account registry, and as JSON it is read as findings; every loaded playbook's triggers are
// matched against a fixed finding and event. Checks: nothing crashes; a playbook that loads has
// an id and its source's SHA-256.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/response/accounts.h"
#include "firebreak/response/engine.h"
#include "firebreak/response/playbook.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace firebreak;
    using namespace firebreak::response;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    Diagnostics diags;
    std::vector<Playbook> playbooks =
            LoadPlaybooks(text, "fuzz.yaml", ActionRegistry::Builtin(), &diags);
    static const event::JsonValue finding = *event::ParseJson(
            R"({"Id":"f","GeneratorId":"ec2-x","Types":["TTPs/A"],"Severity":{"Label":"HIGH"},)"
            R"("ProductFields":{"firebreak/RuleId":"ec2-x"},"Resources":[{"Type":"AwsEc2Instance","Id":"i-1"}]})");
    static const event::JsonValue event = *event::ParseJson(
            R"({"eventName":"CreateTags","eventSource":"ec2.amazonaws.com","requestParameters":)"
            R"({"tagSet":{"items":[{"key":"Response","value":"x"}]}}})");
    for (const Playbook& pb : playbooks) {
        FIREBREAK_FUZZ_CHECK(!pb.id.empty(), "a loaded playbook has no id");
        FIREBREAK_FUZZ_CHECK(pb.sha256.size() == 64, "a loaded playbook has no SHA-256");
        (void)PlaybookTriggered(pb, finding, event);
    }
    std::vector<rules::Node> docs = rules::ParseYamlDocuments(text, "fuzz.yaml", &diags);
    for (const rules::Node& doc : docs) {
        if (const rules::Node* list = doc.is_object() ? doc.Find("accounts") : nullptr) {
            AccountRegistry registry = LoadAccounts(*list, &diags);
            for (const AccountInfo& a : registry.accounts()) {
                (void)a.ToJson();
            }
        }
    }
    (void)ParseFindings(text);
    return 0;
}
