package gate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrincipalsFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "app.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`)
	good := writeFile(t, dir, "good.yaml", `principals:
  - arn: arn:aws:sts::111122223333:assumed-role/App/s1
    accessKeys:
      - id: ASIAAPP
        secret: s
        sessionToken: tok
        expires: 2030-01-01T00:00:00Z
    policies: [app.json]
    inlinePolicies:
      - {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}
    tags: {team: payments}
    admin: true
`)
	ps, err := NewPrincipals(good, nil)
	if err != nil {
		t.Fatal(err)
	}
	k := ps.AccessKey("ASIAAPP")
	if k == nil || k.Secret != "s" || k.SessionToken != "tok" || !k.Expires.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("got key %+v, want the file's", k)
	}
	p := k.Principal
	if p.ARN != "arn:aws:sts::111122223333:assumed-role/App/s1" || p.Account != "111122223333" || !p.Admin || len(p.Policies) != 2 || p.Tags["team"] != "payments" {
		t.Fatalf("got principal %+v, want the file's", p)
	}
	if v, ok := p.extra.Get("aws:PrincipalTag/team"); !ok || v.Strings()[0] != "payments" {
		t.Fatalf("got aws:PrincipalTag/team %v %v, want payments", v, ok)
	}
	if d := ps.Lookup("", "444455556666"); d.ARN != "arn:aws:iam::444455556666:user/kmsgate" || len(d.Policies) != 0 {
		t.Fatalf("got default principal %+v, want user/kmsgate of the account without policies", d)
	}

	for _, tc := range []struct{ name, body, want string }{
		{"an unknown field", "principals:\n  - arn: arn:aws:iam::111122223333:user/a\n    acessKeys: []\n", "bad.yaml: line 3: field acessKeys not found in a principals entry"},
		{"an unknown field of an access key", "principals:\n  - arn: arn:aws:iam::111122223333:user/a\n    accessKeys: [{id: A, secret: s, token: t}]\n", "bad.yaml: line 3: field token not found in an accessKeys entry"},
		{"an unknown top-level field", "principal:\n  - arn: arn:aws:iam::111122223333:user/a\n", "bad.yaml: line 1: field principal not found in the top level"},
		{"a list where an entry belongs", "principals:\n  - [a, b]\n", "bad.yaml: line 2: cannot unmarshal !!seq into a principals entry"},
		{"a mapping where the principals list belongs", "principals: {arn: a}\n", "bad.yaml: line 1: cannot unmarshal !!map into the principals list"},
		{"a mapping where an accessKeys list belongs", "principals:\n  - arn: arn:aws:iam::111122223333:user/a\n    accessKeys: {id: A}\n", "bad.yaml: line 3: cannot unmarshal !!map into an accessKeys list"},
		{"an empty file", "", "bad.yaml: no YAML document in the file, want one with a principals list"},
		{"comments only", "# callers\n", "bad.yaml: no YAML document in the file, want one with a principals list"},
		{"more errors than a message names", "principals:\n  - {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7}\n", "field e not found in a principals entry; and 2 more"},
		{"an ARN that is no IAM principal", "principals:\n  - arn: arn:aws:s3:::bucket\n", "is not an IAM user, role or assumed-role session ARN"},
		{"a key without a secret", "principals:\n  - arn: arn:aws:iam::111122223333:user/a\n    accessKeys: [{id: AK}]\n", "secret is empty"},
		{"a key listed twice", "principals:\n  - arn: arn:aws:iam::111122223333:user/a\n    accessKeys: [{id: AK, secret: s}]\n  - arn: arn:aws:iam::111122223333:user/b\n    accessKeys: [{id: AK, secret: s}]\n", "access key AK is listed twice"},
		{"a policy file that is missing", "principals:\n  - arn: arn:aws:iam::111122223333:user/a\n    policies: [missing.json]\n", "missing.json"},
		{"two tags whose keys differ only in case", "principals:\n  - arn: arn:aws:iam::111122223333:user/a\n    tags: {Team: a, team: b}\n", `tags "Team" and "team" differ only in case`},
		{"an inline policy naming a principal", "principals:\n  - arn: arn:aws:iam::111122223333:user/a\n    inlinePolicies: ['{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\"}]}']\n", "must not name a principal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPrincipals(writeFile(t, dir, "bad.yaml", tc.body), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for _, s := range []string{"off", "enforce", "dry-run", "record"} {
		m, err := ParseMode(s)
		if err != nil || m.String() != s {
			t.Fatalf("ParseMode(%q): got %v %v, want %s", s, m, err, s)
		}
	}
	if _, err := ParseMode("Enforce"); err == nil {
		t.Fatal("got no error for Enforce, want one (modes are lower case)")
	}
}

func TestRecorderRingKeepsTheNewest(t *testing.T) {
	r, err := NewRecorder(zerologDiscard(), "", 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		r.Keep(recordWithID(id))
	}
	var got []string
	for _, rec := range r.Recent(10) {
		got = append(got, rec.RequestID)
	}
	if strings.Join(got, "") != "bcd" {
		t.Fatalf("got %v, want b c d (the newest three, oldest first)", got)
	}
	if got := r.Recent(1); len(got) != 1 || got[0].RequestID != "d" {
		t.Fatalf("got %+v for limit 1, want d", got)
	}
}
