package emulator

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kmsgate/kmsgate"
)

// TestPackageDocIndexesEveryOperation keeps the package doc's index
// "operation -> file" true: every kmsgate.Backend method is listed once, under
// the file that declares it.
func TestPackageDocIndexesEveryOperation(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]string{} // Service method -> file
	var doc string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc != nil {
			doc += f.Doc.Text()
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv != nil && fn.Name.IsExported() {
				declared[fn.Name.Name] = name
			}
		}
	}
	indexed := map[string]string{} // operation -> file, as the doc says
	var file string
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "\t") {
			continue
		}
		fields := strings.Fields(strings.NewReplacer(",", " ", "(", " ", ")", " ").Replace(line))
		if len(fields) > 0 && strings.HasSuffix(fields[0], ".go") {
			file, fields = fields[0], fields[1:]
		}
		for _, op := range fields {
			indexed[op] = file
		}
	}
	backend := reflect.TypeFor[kmsgate.Backend]()
	for i := range backend.NumMethod() {
		op := backend.Method(i).Name
		got, want := indexed[op], declared[op]
		if want == "" {
			t.Errorf("%s: the emulator declares no such method", op)
			continue
		}
		if got != want {
			t.Errorf("the package doc's index lists %s under %q, want %q", op, got, want)
		}
	}
}
