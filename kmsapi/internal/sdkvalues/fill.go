// Package sdkvalues fills the SDK's input and output structs with values for
// the tests of the wire layer: round trips through the codec, and answers a
// test backend gives.
package sdkvalues

import (
	"fmt"
	"reflect"
	"time"
)

// Fill sets every exported member of v to a value derived from seed: each
// field a different value, every pointer, slice and map non-empty.
func Fill(v reflect.Value, seed int) {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Unix(int64(1700000000+seed), int64(seed%1000)*1e6).UTC()))
		return
	case v.Type() == reflect.TypeFor[[]byte]():
		v.SetBytes([]byte(fmt.Sprintf("blob\x00%d", seed)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d\"é", seed))
	case reflect.Bool:
		v.SetBool(seed%2 == 1)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(seed*7 - 3))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		Fill(v.Elem(), seed+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		Fill(v.Index(0), seed+2)
		Fill(v.Index(1), seed+3)
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			e := reflect.New(v.Type().Elem()).Elem()
			Fill(e, seed+i)
			v.SetMapIndex(reflect.ValueOf(fmt.Sprintf("k%d", i)), e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && f.Name != "ResultMetadata" {
				Fill(v.Field(i), seed+i)
			}
		}
	}
}
