//go:build js

package signals

// logFailure writes an error nobody waits for to standard error, which is the
// console in a browser or Node. log/slog, and even package os, would make a
// WebAssembly module much larger; the bridge installs OnError handlers anyway.
func logFailure(msg string, err error) {
	println(msg+":", err.Error())
}

// typeName is all a panic value of an unusual type is described by: the
// reflect package's names would pull in more than they are worth here.
func typeName(any) string { return "other than string, number, bool or error" }
