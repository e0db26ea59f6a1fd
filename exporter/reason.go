package exporter

// ParseReason is the bounded reason label (rexporter_parse_errors_total's
// reason) that a parser error is counted under: "missing_colon", "bad_value",
// …, or "other".
func ParseReason(err error) string { return parseReason(err) }
