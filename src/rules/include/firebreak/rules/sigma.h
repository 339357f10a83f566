// File: sigma.h
//
// The Sigma front end: compiles a Sigma rule (SigmaHQ format, logsource product: aws,
// service: cloudtrail) into the same Rule / Expr IR as firebreak's own rules, so the compiled
// matcher, `hunt`, `rules test` and `rules lint` treat both alike. Semantics and the choices made
// where the specification is silent are in docs/rules/sigma.md. In short:
//   * fields are dotted CloudTrail paths read "deep": an object at the path is present (for
//     `exists`) and its scalar leaves are its values (`requestParameters|contains: 'x'`);
//   * plain values are case-insensitive globs (`*`, `?`, `\` escapes); numbers and booleans in
//     events compare by their JSON text;
//   * modifiers: contains startswith endswith all cased neq exists re (i m s) cidr gt gte lt lte
//     fieldref (with contains/startswith/endswith) expand base64 base64offset wide utf16le
//     utf16be utf16 windash. Sigma filters (meta rules) amend the rules they name. Anything else
//     (date parts, aggregations, correlations, rule collections) is a diagnostic naming it, never
//     silently ignored.
#pragma once

#include "firebreak/core/diagnostics.h"
#include "firebreak/rules/node.h"
#include "firebreak/rules/rule.h"

namespace firebreak::rules {

// True for YAML documents in Sigma's format (a rule, a correlation, a filter or a collection
// action): the loader tells the formats apart by content, not by file name.
bool IsSigmaDocument(const Node& doc);

enum class SigmaOutcome : uint8_t {
    kRule,            // *out holds the compiled rule
    kOtherLogsource,  // a valid Sigma document for another log source (reported as a warning)
    kInvalid,         // errors were reported
};

// Compiles one Sigma rule document.
SigmaOutcome CompileSigmaRule(const Node& doc,
                              const LoadOptions& options,
                              Diagnostics* diags,
                              Rule* out);

// A Sigma filter (a meta rule: `filter: {rules: [...], <selections>, condition: ...}`) that
// amends other rules. As pySigma applies filters, each named rule's condition C becomes
// `C and <filter condition>`: the filter's condition carries its own `not`.
struct SigmaFilter {
    std::string id;
    std::string title;
    std::vector<std::string> rules;  // ids or names of the rules it applies to
    bool any = false;                // `rules: any` (or an empty list): every Sigma rule
    Expr condition;
    SourcePos pos;
};

// True for a Sigma filter document (`filter` without `detection`).
bool IsSigmaFilter(const Node& doc);

SigmaOutcome CompileSigmaFilter(const Node& doc,
                                const LoadOptions& options,
                                Diagnostics* diags,
                                SigmaFilter* out);

}  // namespace firebreak::rules
