package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func FuzzParseParams(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "channel=C1&text=hi&token=x")
	f.Add("application/json", `{"channel":"C1","blocks":[{"type":"divider"}],"full":true}`)
	f.Add("application/json", `[1,2]`)
	f.Add("", "%zz")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		r, err := http.NewRequest(http.MethodPost, "http://sandbox/api/chat.postMessage", strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		r.Header.Set("Content-Type", contentType)
		params, err := parseParams(r)
		if err != nil {
			return
		}
		var obj map[string]json.RawMessage
		if strings.HasPrefix(contentType, "application/json") && json.Unmarshal([]byte(body), &obj) == nil {
			for k := range obj {
				if _, ok := params[k]; !ok {
					t.Fatalf("JSON argument %q lost: %v", k, params)
				}
			}
		}
	})
}
