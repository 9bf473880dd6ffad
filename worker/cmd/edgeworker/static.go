package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// asset is a static file as the Worker holds it.
type asset struct {
	urlPath   string // "/demo/index.html"
	module    string // its module in the Worker folder: "public/demo/index.html.gz"
	gzip      bool   // whether module holds the file gzipped
	mediaType string
	etag      string
	immutable bool // its name carries its content hash
}

// mediaTypes are the Content-Types of the files Workers usually serve; any
// other file is application/octet-stream. A table of our own, rather than
// package mime's, so that a build does not depend on the machine's.
var mediaTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".wasm":  "application/wasm",
	".txt":   "text/plain; charset=utf-8",
	".xml":   "application/xml",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".jpg":   "image/jpeg",
	".jpeg":  "image/jpeg",
	".gif":   "image/gif",
	".webp":  "image/webp",
	".avif":  "image/avif",
	".ico":   "image/x-icon",
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".pdf":   "application/pdf",
}

// compressible says which media types are worth gzipping: the others
// (images, fonts) are compressed already.
func compressible(mediaType string) bool {
	return strings.HasPrefix(mediaType, "text/") || mediaType == "application/json" ||
		mediaType == "application/wasm" || mediaType == "application/xml" || mediaType == "image/svg+xml"
}

// hashedName matches a file name that carries a content hash before its
// extension: app.3f9c21e0.wasm.
var hashedName = regexp.MustCompile(`\.[0-9a-f]{8,}\.[^.]+$`)

// writeStatic copies the files of dir (none if dir is "") into out/public,
// gzipped where that makes them smaller, and describes them. Names that
// start with a dot are left out.
func writeStatic(dir, out string) ([]asset, error) {
	public := filepath.Join(out, "public")
	if err := os.RemoveAll(public); err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, nil
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("-static %s: not a folder", dir)
	}
	var assets []asset
	err := filepath.WalkDir(dir, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && file != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, file)
		if err != nil {
			return err
		}
		body, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		a := asset{urlPath: "/" + filepath.ToSlash(rel), module: "public/" + filepath.ToSlash(rel)}
		a.mediaType = mediaTypes[strings.ToLower(path.Ext(a.urlPath))]
		if a.mediaType == "" {
			a.mediaType = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		// Weak: the gzipped and the plain body are the same file.
		a.etag = `W/"` + hex.EncodeToString(sum[:12]) + `"`
		a.immutable = hashedName.MatchString(d.Name())
		if compressible(a.mediaType) {
			if packed := gzipped(body); len(packed) < len(body) {
				body, a.gzip, a.module = packed, true, a.module+".gz"
			}
		}
		target := filepath.Join(out, filepath.FromSlash(a.module))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		assets = append(assets, a)
		return os.WriteFile(target, body, 0o644)
	})
	sort.Slice(assets, func(i, j int) bool { return assets[i].urlPath < assets[j].urlPath })
	return assets, err
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level: no error
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// assetsModule is assets.mjs: a Map from URL path to each file's module
// and headers, which entry.mjs serves.
func assetsModule(assets []asset) []byte {
	var b bytes.Buffer
	b.WriteString("// Written by edgeworker: the static files entry.mjs serves, by URL path.\n")
	for i, a := range assets {
		fmt.Fprintf(&b, "import f%d from %s;\n", i, jsString("./"+a.module))
	}
	b.WriteString("\nexport default new Map([\n")
	for i, a := range assets {
		fmt.Fprintf(&b, "  [%s, { body: f%d, type: %s, gzip: %t, etag: %s, immutable: %t }],\n",
			jsString(a.urlPath), i, jsString(a.mediaType), a.gzip, jsString(a.etag), a.immutable)
	}
	b.WriteString("]);\n")
	return b.Bytes()
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
