package names_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bastionhq/bastion/names"
)

func TestParseCSV(t *testing.T) {
	in := "\uFEFFkind,id,name,handle,team\nuser,UROLES,Rita Ortiz,rita,T1\n\nchannel,C2,backoffice,,T1\nworkspace,T1,Acme\nenterprise,E1,\"Acme, Corp\",,\n"
	got, err := names.ParseCSV(strings.NewReader(in), names.FromImport)
	if err != nil {
		t.Fatal(err)
	}
	want := []names.Entry{
		{Kind: names.User, ID: "UROLES", Name: "Rita Ortiz", Handle: "rita", TeamID: "T1", Source: names.FromImport},
		{Kind: names.Channel, ID: "C2", Name: "backoffice", TeamID: "T1", Source: names.FromImport},
		{Kind: names.Team, ID: "T1", Name: "Acme", Source: names.FromImport},
		{Kind: names.Enterprise, ID: "E1", Name: "Acme, Corp", Source: names.FromImport},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// Columns may come in any order; handle and team may be left out.
	if got, err := names.ParseCSV(strings.NewReader("name,id,kind\nMia,UMEMBER,user\n"), names.FromImport); err != nil || got[0].Name != "Mia" || got[0].ID != "UMEMBER" {
		t.Fatalf("reordered columns: %+v %v", got, err)
	}
}

func TestParseCSVNamesTheLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "empty",
		"kind,id\nuser,U1\n":    `no "name" column`,
		"kind,id,name,colour\n": `unknown column "colour"`,
		"kind,id,name,id\n":     `column "id" given twice`,
		"kind,id,name\nuser,U1,Mia\ngroup,G1,x\n":  "line 3: invalid name entry: unknown kind",
		"kind,id,name\nuser,U 1,Mia\n":             "line 2:",
		"kind,id,name\nuser,U1,\n":                 "line 2:",
		"kind,id,name\nuser,U1,Mia\nuser,U1,Ann\n": "line 3: user U1 was already named on line 2",
		"kind,id,name\nuser,U1,Mia,extra\n":        "line 2: 4 fields",
		"kind,id,name\nuser,U1,\"Mia\n":            "invalid name entry",
	} {
		_, err := names.ParseCSV(strings.NewReader(in), names.FromImport)
		if !errors.Is(err, names.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an ErrInvalid saying %q", in, err, want)
		}
	}
}

// Whatever the file holds, ParseCSV returns valid entries or an error.
func FuzzParseCSV(f *testing.F) {
	f.Add("kind,id,name,handle,team\nuser,U1,Mia,mia,T1\nchannel,C1,general,,T1\n")
	f.Add("kind,id,name\nworkspace,T1,\"A\"\"cme\"\n")
	f.Add("name,kind,id\n\xff,user,U1\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := names.ParseCSV(strings.NewReader(in), names.FromImport)
		if err != nil {
			if !errors.Is(err, names.ErrInvalid) {
				t.Fatalf("error without ErrInvalid: %v", err)
			}
			return
		}
		for _, e := range got {
			if err := names.Validate(e); err != nil {
				t.Fatalf("ParseCSV returned an invalid entry %+v: %v", e, err)
			}
		}
	})
}
