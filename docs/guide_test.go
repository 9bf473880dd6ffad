// Package docs_test keeps the Go code of guide.md honest: every Go block of
// the guide is the code of declarations in the repository's Go files (most
// of them Examples, which go test runs), but for the blocks of the Go module
// that guide.test.mjs builds and runs (marked <!-- guide-test: main.go -->).
// It also holds the guide's examples of package worker. After changing an
// Example, rewrite the guide's blocks from the sources with
//
//	go test ./docs -run TestGuide -update
package docs_test

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goBlock is a fenced Go block of the guide whose first line names where its
// code comes from: "// signals/example_test.go: ExampleSyncSignal_TryEmit",
// or "// worker/example/main.go: main" for code that a test runs another way.
type goBlock struct {
	line  int      // of the opening fence (1-based), for messages
	end   int      // index of the closing fence in the guide's lines
	file  string   // relative to the repository's root
	names []string // declarations, in the order the block shows them
	code  string   // the block without its first line
}

var update = flag.Bool("update", false, "rewrite guide.md's Go blocks from the sources they name")

var sourceLine = regexp.MustCompile(`^// ([\w/.-]+\.go): (.+)$`)

func guideBlocks(t *testing.T) (lines []string, blocks []goBlock) {
	guide, err := os.ReadFile("guide.md")
	require.NoError(t, err)
	lines = strings.Split(string(guide), "\n")
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```go" {
			continue
		}
		if i > 0 && strings.HasPrefix(lines[i-1], "<!-- guide-test: ") {
			continue // a block of the module that guide.test.mjs builds and runs
		}
		start := i
		end := i + 1
		for end < len(lines) && lines[end] != "```" {
			end++
		}
		require.Less(t, end, len(lines), "guide.md:%d: the Go block does not end", start+1)
		m := sourceLine.FindStringSubmatch(lines[start+1])
		require.NotNil(t, m, "guide.md:%d: a Go block must start with `// <dir>/<file>.go: <names>`", start+1)
		blocks = append(blocks, goBlock{
			line:  start + 1,
			end:   end,
			file:  m[1],
			names: strings.Split(m[2], ", "),
			code:  strings.Join(lines[start+2:end], "\n"),
		})
		i = end
	}
	return lines, blocks
}

// declText returns the text of the declaration name in src as the guide
// shows it: an Example's body, dedented, or any other declaration (function,
// method, type, variable, constant) whole, with its doc comment. A method is
// named Type.Method.
func declText(fset *token.FileSet, f *ast.File, src []byte, name string) (text string, isExample, hasOutput bool) {
	offset := func(p token.Pos) int { return fset.Position(p).Offset }
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if declName(d) != name {
				continue
			}
			if strings.HasPrefix(name, "Example") {
				body := string(src[offset(d.Body.Lbrace)+1 : offset(d.Body.Rbrace)])
				body = strings.Trim(body, "\n")
				lines := strings.Split(body, "\n")
				for i, l := range lines {
					lines[i] = strings.TrimPrefix(l, "\t")
				}
				body = strings.Join(lines, "\n")
				return body, true, strings.Contains(body, "// Output:")
			}
			return string(src[offset(startOf(d, d.Doc)):offset(d.End())]), false, false
		case *ast.GenDecl:
			for _, s := range d.Specs {
				var names []*ast.Ident
				switch s := s.(type) {
				case *ast.TypeSpec:
					names = []*ast.Ident{s.Name}
				case *ast.ValueSpec:
					names = s.Names
				}
				for _, id := range names {
					if id.Name == name {
						return string(src[offset(startOf(d, d.Doc)):offset(d.End())]), false, false
					}
				}
			}
		}
	}
	return "", false, false
}

func startOf(d ast.Node, doc *ast.CommentGroup) token.Pos {
	if doc != nil {
		return doc.Pos()
	}
	return d.Pos()
}

// declName is a function's name, or Type.Method for a method.
func declName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	typ := d.Recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + d.Name.Name
	}
	return d.Name.Name
}

func TestGuideGoBlocksAreTestedCode(t *testing.T) {
	lines, blocks := guideBlocks(t)
	require.NotEmpty(t, blocks)
	var updated []string // the guide's lines, with the blocks rewritten
	from := 0
	for _, b := range blocks {
		src, err := os.ReadFile(filepath.Join("..", b.file))
		require.NoError(t, err, "guide.md:%d", b.line)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, b.file, src, parser.ParseComments)
		require.NoError(t, err, "guide.md:%d", b.line)
		var want []string
		examples := 0
		for _, name := range b.names {
			text, isExample, hasOutput := declText(fset, f, src, name)
			require.NotEmpty(t, text, "guide.md:%d: %s has no declaration %s", b.line, b.file, name)
			if isExample {
				examples++
				assert.True(t, hasOutput, "guide.md:%d: %s has no // Output:, so go test would not run it", b.line, name)
			}
			want = append(want, text)
		}
		code := strings.Join(want, "\n\n")
		if *update {
			updated = append(append(append(updated, lines[from:b.line+1]...), code), "```")
			from = b.end + 1
			continue
		}
		assert.Equal(t, code, b.code, "guide.md:%d: the block differs from %s in %s (go test ./docs -run TestGuide -update rewrites it)", b.line, strings.Join(b.names, ", "), b.file)
	}
	if *update {
		updated = append(updated, lines[from:]...)
		require.NoError(t, os.WriteFile("guide.md", []byte(strings.Join(updated, "\n")), 0o644))
	}
}
