package pattern

import (
	"fmt"
	"testing"
)

// thousandCommands builds a set shaped like a large back office: 100 verbs
// with 10 objects each, mixing placeholder types.
func thousandCommands(b *testing.B) *Set {
	s := NewSet()
	for v := 0; v < 100; v++ {
		for o := 0; o < 10; o++ {
			src := fmt.Sprintf("verb%d object%d <account> to <n:int> for <u:user>", v, o)
			if o%3 == 1 {
				src = fmt.Sprintf("verb%d object%d <account> note <rest:text>", v, o)
			}
			if _, err := s.Add(MustCompile(src)); err != nil {
				b.Fatal(err)
			}
		}
	}
	return s
}

func BenchmarkRoute1000Commands(b *testing.B) {
	s := thousandCommands(b)
	msg := "VERB77 object8 acme-corp to 30 for <@U024BE7LH|ann>"
	b.ReportAllocs()
	for b.Loop() {
		if r := s.Match(msg); !r.Found {
			b.Fatal("no match")
		}
	}
}

func BenchmarkRouteUnknown1000Commands(b *testing.B) {
	s := thousandCommands(b)
	b.ReportAllocs()
	for b.Loop() {
		if r := s.Match("please do something nobody registered"); r.Found {
			b.Fatal("matched")
		}
	}
}
