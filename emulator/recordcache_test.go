package emulator

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// fill sets every field reachable from v to a non-zero value, allocating
// pointers, slices (two elements) and maps on the way.
func fill(t *testing.T, v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), path)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Unix(1700000000, 0)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := 0; i < 2; i++ {
			fill(t, v.Index(i), path+"[]")
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, path+"{key}")
		fill(t, e, path+"{}")
		v.SetMapIndex(k, e)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint8, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	default:
		t.Fatalf("fill: %s has kind %s: teach this test and keyRecord.clone about it", path, v.Kind())
	}
}

// shared reports a path where a and b reach the same memory.
func shared(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return ""
		}
		if a.Pointer() == b.Pointer() {
			return path
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
		for i := 0; i < a.Len(); i++ {
			if p := shared(a.Index(i), b.Index(i), path+"[]"); p != "" {
				return p
			}
		}
	case reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return path
		}
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if a.Type().Field(i).IsExported() {
				if p := shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

func TestKeyRecordCloneSharesNothing(t *testing.T) {
	var k keyRecord
	fill(t, reflect.ValueOf(&k).Elem(), "keyRecord")
	c := k.clone()
	if !reflect.DeepEqual(&k, c) {
		t.Fatalf("got a clone that differs from the original:\n%+v\n%+v", k, *c)
	}
	if p := shared(reflect.ValueOf(&k).Elem(), reflect.ValueOf(c).Elem(), "keyRecord"); p != "" {
		t.Errorf("clone shares %s with the original; copy it in keyRecord.clone", p)
	}
}

func TestRecordCacheHandsOutCopiesAndFollowsTheStoredBytes(t *testing.T) {
	c, err := newRecordCache()
	if err != nil {
		t.Fatal(err)
	}
	rec := keyRecord{KeyID: "k1", Description: "first", Materials: []materialInfo{{ID: "m1"}}}
	raw, err := json.Marshal(&rec)
	if err != nil {
		t.Fatal(err)
	}
	got1, err := c.decode("scope/k1", raw, readAt{})
	if err != nil {
		t.Fatal(err)
	}
	got1.Description = "changed by a caller"
	got1.Materials[0].ID = "changed"
	got2, err := c.decode("scope/k1", raw, readAt{})
	if err != nil {
		t.Fatal(err)
	}
	if got2.Description != "first" || got2.Materials[0].ID != "m1" {
		t.Errorf("got %q %q from the cache after a caller changed its copy, want \"first\" \"m1\"", got2.Description, got2.Materials[0].ID)
	}

	rec.Description = "second"
	raw2, _ := json.Marshal(&rec)
	got3, err := c.decode("scope/k1", raw2, readAt{})
	if err != nil {
		t.Fatal(err)
	}
	if got3.Description != "second" {
		t.Errorf("got %q after the stored bytes changed, want \"second\"", got3.Description)
	}
	if _, err := c.decode("scope/bad", []byte("{not json"), readAt{}); err == nil {
		t.Error("got no error for a record that is not JSON")
	}
}

// A checked entry answers without a store read only in a read-only snapshot
// in which its bytes were seen; never in a writable transaction.
func TestCheckedCacheAnswersUnreadOnlyInASnapshotWhereItsBytesWereSeen(t *testing.T) {
	raw := []byte("stored bytes")
	at := func(snap uint64) readAt { return readAt{snap: snap, ro: true} }
	tests := []struct {
		name  string
		setup func(c *checkedCache[string])
		ask   readAt
		want  bool
	}{
		{"an entry put in snapshot 5 answers in snapshot 5", func(c *checkedCache[string]) {
			c.put("k", raw, "v", at(5))
		}, at(5), true},
		{"an entry put in snapshot 5 does not answer in snapshot 6", func(c *checkedCache[string]) {
			c.put("k", raw, "v", at(5))
		}, at(6), false},
		{"an entry checked again in snapshot 6 answers there", func(c *checkedCache[string]) {
			c.put("k", raw, "v", at(5))
			if _, ok := c.get("k", raw, at(6)); !ok {
				t.Fatal("get with the same bytes missed")
			}
		}, at(6), true},
		{"bytes that differ mark nothing", func(c *checkedCache[string]) {
			c.put("k", raw, "v", at(5))
			if _, ok := c.get("k", []byte("other bytes"), at(6)); ok {
				t.Fatal("get with other bytes hit")
			}
		}, at(6), false},
		{"an entry put in a writable transaction is seen in no snapshot", func(c *checkedCache[string]) {
			c.put("k", raw, "v", readAt{})
		}, at(0), false},
		{"a writable transaction is never answered unread", func(c *checkedCache[string]) {
			c.put("k", raw, "v", at(0))
		}, readAt{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newCheckedCache[string](8)
			if err != nil {
				t.Fatal(err)
			}
			tc.setup(c)
			if _, got := c.fresh("k", tc.ask); got != tc.want {
				t.Errorf("got fresh=%v, want %v", got, tc.want)
			}
		})
	}
}
