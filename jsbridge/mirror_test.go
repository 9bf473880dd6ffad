// The sources are read from the disk: natively only (Chromium has none).

//go:build !wasm

package jsbridge

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The numbers that the two halves of the bridge share are written twice, in
// Go here and in JavaScript in web/src/bridge.js and wire.js. This test reads
// both sources, on every platform, and compares them: the protocol number,
// payload kinds, statuses, failure kinds, call flags, wire tags, and the
// offsets of the exchange block's fields as Go lays them out for wasm.
func TestMirroredConstants(t *testing.T) {
	// The constants and the exchange struct, type-checked on their own (they
	// refer to nothing else) with wasm's sizes.
	fset := token.NewFileSet()
	synthetic := &ast.File{Name: ast.NewIdent("p")}
	for _, file := range []string{"bridge_js.go", "codec.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			if gen, ok := decl.(*ast.GenDecl); ok && gen.Tok == token.CONST {
				synthetic.Decls = append(synthetic.Decls, gen)
			}
			if gen, ok := decl.(*ast.GenDecl); ok && gen.Tok == token.TYPE {
				for _, spec := range gen.Specs {
					if spec.(*ast.TypeSpec).Name.Name == "exchange" {
						synthetic.Decls = append(synthetic.Decls, &ast.GenDecl{Tok: token.TYPE, Specs: []ast.Spec{spec}})
					}
				}
			}
		}
	}
	conf := types.Config{Sizes: types.SizesFor("gc", "wasm")}
	pkg, err := conf.Check("p", fset, []*ast.File{synthetic}, nil)
	require.NoError(t, err)

	mirrored := regexp.MustCompile(`^(protocol|kind|status|fail|call|tag)([A-Z]|$)`)
	want := map[string]int64{}
	for _, name := range pkg.Scope().Names() {
		if c, ok := pkg.Scope().Lookup(name).(*types.Const); ok && mirrored.MatchString(name) {
			want[jsName(name)], _ = constant.Int64Val(c.Val())
		}
	}
	st := pkg.Scope().Lookup("exchange").Type().Underlying().(*types.Struct)
	fields := make([]*types.Var, st.NumFields())
	for i := range fields {
		fields[i] = st.Field(i)
	}
	for i, offset := range conf.Sizes.Offsetsof(fields) {
		want["EX_"+jsName(fields[i].Name())] = offset
	}
	require.Contains(t, want, "TAG_OBJECT", "codec.go's wire tags were read")

	got := map[string]int64{}
	decl := regexp.MustCompile(`(?:const|,)\s*([A-Z][A-Z0-9_]*)\s*=\s*(\d+)`)
	shared := regexp.MustCompile(`^(PROTOCOL|KIND|STATUS|FAIL|CALL|TAG|EX)(_|$)`)
	for _, file := range []string{"../web/src/bridge.js", "../web/src/wire.js"} {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			if shared.MatchString(m[1]) {
				got[m[1]], _ = strconv.ParseInt(m[2], 10, 64)
			}
		}
	}
	assert.Equal(t, want, got, "Go's constants (expected) and JavaScript's (actual) differ")
}

// jsName turns a Go name into bridge.js's: statusOK -> STATUS_OK, failJS -> FAIL_JS.
func jsName(name string) string {
	s := regexp.MustCompile(`([a-z0-9])([A-Z])`).ReplaceAllString(name, "${1}_${2}")
	s = regexp.MustCompile(`([A-Z]+)([A-Z][a-z])`).ReplaceAllString(s, "${1}_${2}")
	return strings.ToUpper(s)
}
