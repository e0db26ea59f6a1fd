package parser

import (
	"math"
	"strconv"
)

// ValueKind tells what a field's value is. (Message kinds are Kind.)
type ValueKind uint8

const (
	// ValueNumber is a number: Value, converted to the base unit when Unit
	// is not UnitNone. TRUE and FALSE are the numbers 1 and 0.
	ValueNumber ValueKind = iota
	// ValueMissing is R's NA; Missing is true as well.
	ValueMissing
	// ValueProgress is `done/total` or `done of total`: Value is done,
	// Total is total.
	ValueProgress
	// ValueState is a word or phrase (`fitting model`): State holds it.
	ValueState
)

func (k ValueKind) String() string {
	switch k {
	case ValueNumber:
		return "number"
	case ValueMissing:
		return "missing"
	case ValueProgress:
		return "progress"
	case ValueState:
		return "state"
	}
	return "ValueKind(" + strconv.Itoa(int(k)) + ")"
}

// Unit is the base unit a value written with a unit was converted to.
type Unit uint8

const (
	UnitNone    Unit = iota // a plain number
	UnitSeconds             // a duration (12 ms, 1.5 mins, Time difference of 3.2 secs)
	UnitBytes               // a size (512 bytes, 2.3 Mb, 1 GiB)
	UnitRatio               // a percentage (45%), as a ratio (0.45)
)

// Suffix returns the Prometheus base-unit name suffix for u ("seconds",
// "bytes", "ratio"), or "" for UnitNone.
func (u Unit) Suffix() string {
	switch u {
	case UnitSeconds:
		return "seconds"
	case UnitBytes:
		return "bytes"
	case UnitRatio:
		return "ratio"
	}
	return ""
}

// unitDef converts a number written with a unit to the base unit: the
// value is the number × mul × 10^shift, computed exactly and rounded once.
type unitDef struct {
	unit  Unit
	shift int8
	mul   uint64
	scale float64 // mul × 10^shift, rounded
}

var (
	unitNs   = unitDef{UnitSeconds, -9, 1, 1e-9}
	unitUs   = unitDef{UnitSeconds, -6, 1, 1e-6}
	unitMs   = unitDef{UnitSeconds, -3, 1, 1e-3}
	unitSec  = unitDef{UnitSeconds, 0, 1, 1}
	unitMin  = unitDef{UnitSeconds, 0, 60, 60}
	unitHour = unitDef{UnitSeconds, 0, 3600, 3600}
	unitDay  = unitDef{UnitSeconds, 0, 86400, 86400}
	unitWeek = unitDef{UnitSeconds, 0, 604800, 604800}
	unitB    = unitDef{UnitBytes, 0, 1, 1}
	unitKiB  = unitDef{UnitBytes, 0, 1 << 10, 1 << 10}
	unitMiB  = unitDef{UnitBytes, 0, 1 << 20, 1 << 20}
	unitGiB  = unitDef{UnitBytes, 0, 1 << 30, 1 << 30}
	unitTiB  = unitDef{UnitBytes, 0, 1 << 40, 1 << 40}
	unitPiB  = unitDef{UnitBytes, 0, 1 << 50, 1 << 50}
	unitKB   = unitDef{UnitBytes, 3, 1, 1e3}
	unitMB   = unitDef{UnitBytes, 6, 1, 1e6}
	unitGB   = unitDef{UnitBytes, 9, 1, 1e9}
	unitTB   = unitDef{UnitBytes, 12, 1, 1e12}
	unitPB   = unitDef{UnitBytes, 15, 1, 1e15}
	unitPct  = unitDef{UnitRatio, -2, 1, 1e-2}
)

// lookupUnit finds a unit by its exact, case-sensitive spelling.
func lookupUnit(s []byte) (unitDef, bool) {
	switch string(s) {
	case "ns":
		return unitNs, true
	case "us", "\u00b5s", "\u03bcs", "\xb5s": // micro sign, Greek mu, latin1 micro sign
		return unitUs, true
	case "ms":
		return unitMs, true
	case "s", "sec", "secs", "second", "seconds":
		return unitSec, true
	case "min", "mins", "minute", "minutes":
		return unitMin, true
	case "h", "hr", "hrs", "hour", "hours":
		return unitHour, true
	case "d", "day", "days":
		return unitDay, true
	case "w", "week", "weeks":
		return unitWeek, true
	case "B", "byte", "bytes":
		return unitB, true
	case "Kb", "KiB":
		return unitKiB, true
	case "Mb", "MiB":
		return unitMiB, true
	case "Gb", "GiB":
		return unitGiB, true
	case "Tb", "TiB":
		return unitTiB, true
	case "Pb", "PiB":
		return unitPiB, true
	case "kB", "KB":
		return unitKB, true
	case "MB":
		return unitMB, true
	case "GB":
		return unitGB, true
	case "TB":
		return unitTB, true
	case "PB":
		return unitPB, true
	case "%":
		return unitPct, true
	}
	return unitDef{}, false
}

// parseCompound reads a number followed by a unit (12 ms, 45%, NA secs) or
// a progress (45/100, 45 of 100). With difftime only a duration unit is
// allowed.
func parseCompound(b []byte, f *Field, difftime bool) error {
	n := numberLen(b)
	if n == 0 {
		return ErrBadValue
	}
	num := b[:n]
	rest := b[n:]
	spaced := len(rest) > 0 && isSpace(rest[0])
	rest = trimLeft(rest)
	if len(rest) == 0 {
		return ErrBadValue // a number parseNumber rejected: 1e999
	}
	if !difftime {
		var after []byte
		switch {
		case rest[0] == '/':
			after = trimLeft(rest[1:])
		case spaced && len(rest) > 3 && rest[0] == 'o' && rest[1] == 'f' && isSpace(rest[2]):
			after = trimLeft(rest[3:])
		}
		if after != nil {
			if len(after) == 0 {
				return ErrBadValue
			}
			done, dmiss, ok := parseNumberToken(num)
			if !ok {
				return ErrBadValue
			}
			total, tmiss, ok := parseNumberToken(after)
			if !ok {
				return ErrBadValue
			}
			if dmiss || tmiss {
				f.setMissing(unitDef{scale: 1})
				return nil
			}
			f.Value, f.Scale, f.Total, f.State = done, 1, total, nil
			f.Missing, f.Kind, f.Unit = false, ValueProgress, UnitNone
			return nil
		}
	}
	u, ok := lookupUnit(rest)
	if !ok || difftime && u.unit != UnitSeconds {
		for _, c := range rest {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80) {
				return ErrBadValue
			}
		}
		return errUnknownUnit
	}
	var v float64
	switch num[0] {
	case 'N':
		if num[1] == 'A' {
			f.setMissing(u)
			return nil
		}
		v = math.NaN()
	case 'I':
		v = math.Inf(1)
	case '+', '-':
		if num[1] == 'I' {
			v = signedInf(num[0])
			break
		}
		fallthrough
	default:
		if v, ok = parseScaled(num, u.mul, int(u.shift)); !ok {
			return ErrBadValue
		}
	}
	f.Value, f.Scale, f.Total, f.State = v, u.scale, 0, nil
	f.Missing, f.Kind, f.Unit = false, ValueNumber, u.unit
	return nil
}
