// File: evidence_record.h
//
// Playbook runs in the evidence vault: RecordRunEvidence projects one run's journal (RunStore)
// into a vault (src/evidence), so every change a playbook made and every finding that started a
// case is kept as signed, write-once evidence. It is idempotent: every item has a stable ref, so
// calling it again (after a crash, a resume or an approval) adds only what is new.
//
//   what                                  kind            ref
//   the finding that started the case     finding         finding/<case>/<finding id | sha256>
//   (no finding: the triggering event)    log-file        event/<case>/<sha256 of the event>
//   a mutating action executed in apply   action          run/<run>/step/<step key>
//     (succeeded or failed; not planned, not still running; each for-each item, not the
//     for-each step's summary of them)
//   a capture (capture step or action     api-response,   run/<run>/capture/<step key>
//     `capture:`)                         snapshot or
//                                         command-output
//   an approval decision                  action          run/<run>/approval/<step key>
//
// Plans record only the finding (they change nothing). Actions are JSON documents: run,
// playbook, case, step, action, account, region, parameters, status, result or error, request
// ids, started/finished and the approvals given before the step started. Every item is collected
// by "playbook-run:<run> (<playbook>) by <run's created_by>".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "firebreak/core/status.h"
#include "firebreak/core/time.h"
#include "firebreak/evidence/vault.h"
#include "firebreak/response/run_store.h"

namespace firebreak::response {

struct RecordSummary {
    std::string run_id;
    std::string case_id;
    size_t added = 0;    // new manifest entries
    size_t already = 0;  // items whose ref was already in the vault
};

// `run_id` is a whole id or a unique prefix (RunStore::FindRun). Stops at the first item the
// vault refuses and returns that error (naming the item); what was added before it stays, and a
// later call adds the rest.
Result<RecordSummary> RecordRunEvidence(RunStore& store,
                                        std::string_view run_id,
                                        evidence::Vault& vault,
                                        TimePoint now);

// The vault entries a run recorded (refs under run/<id>/) and its case's finding or event, in
// sequence order.
std::vector<const evidence::EvidenceEntry*> RunEvidenceEntries(const evidence::Vault& vault,
                                                               const RunRecord& run);

// The refs, for callers that look entries up.
std::string StepEvidenceRef(std::string_view run_id, std::string_view step_key);
std::string CaptureEvidenceRef(std::string_view run_id, std::string_view step_key);
std::string ApprovalEvidenceRef(std::string_view run_id, std::string_view step_key);

// The kind of a capture: command-output for SSM (ssm:*), snapshot for snapshot calls or a capture
// named like one, api-response otherwise. `step_action` is the capturing step's action ("" for a
// capture step).
std::string_view CaptureEvidenceKind(std::string_view step_action, std::string_view name);

}  // namespace firebreak::response
