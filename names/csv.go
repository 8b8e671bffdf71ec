package names

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxImportRows bounds one import, so that a file cannot hold the
// directory's write lock (one transaction) for long.
const MaxImportRows = 100000

// ParseCSV reads names for a bulk import: CSV with the header
// "kind,id,name" and, optionally, "handle" and "team" columns, one entry
// a row, e.g.
//
//	kind,id,name,handle,team
//	user,UROLES,Rita Ortiz,rita,T1
//	channel,C2,backoffice,,T1
//	workspace,T1,Acme,,
//
// Kinds are user, channel, team (or workspace) and enterprise. Every row
// is checked with Validate; the first problem is returned with its line,
// and nothing is returned with it. An id given twice is an error.
func ParseCSV(r io.Reader, source Source) ([]Entry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the file is empty; it starts with the header kind,id,name", ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		switch h {
		case "kind", "id", "name", "handle", "team":
		default:
			return nil, fmt.Errorf("%w: line 1: unknown column %q (the columns are kind, id, name, handle, team)", ErrInvalid, h)
		}
		if _, dup := cols[h]; dup {
			return nil, fmt.Errorf("%w: line 1: column %q given twice", ErrInvalid, h)
		}
		cols[h] = i
	}
	for _, need := range []string{"kind", "id", "name"} {
		if _, ok := cols[need]; !ok {
			return nil, fmt.Errorf("%w: line 1: no %q column (the header starts kind,id,name)", ErrInvalid, need)
		}
	}
	field := func(rec []string, col string) string {
		i, ok := cols[col]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var out []Entry
	seen := map[Key]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) > len(header) {
			return nil, fmt.Errorf("%w: line %d: %d fields, the header has %d", ErrInvalid, line, len(rec), len(header))
		}
		kind, err := ParseKind(strings.ToLower(field(rec, "kind")))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		e := Entry{Kind: kind, ID: field(rec, "id"), Name: field(rec, "name"), Handle: field(rec, "handle"), TeamID: field(rec, "team"), Source: source}
		if err := Validate(e); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if first, dup := seen[e.Key()]; dup {
			return nil, fmt.Errorf("%w: line %d: %s %s was already named on line %d", ErrInvalid, line, e.Kind, e.ID, first)
		}
		seen[e.Key()] = line
		if len(out) == MaxImportRows {
			return nil, fmt.Errorf("%w: line %d: more than %d names in one import; split the file", ErrInvalid, line, MaxImportRows)
		}
		out = append(out, e)
	}
}
