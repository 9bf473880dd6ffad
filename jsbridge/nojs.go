//go:build !(js && wasm)

package jsbridge

import "github.com/edgesignals/edgesignals/signals"

// The bridge connects Go to the JavaScript that loaded a js/wasm module;
// elsewhere there is none, so its functions refuse to pretend.
const needsJS = " needs GOOS=js GOARCH=wasm: it connects Go to the JavaScript that loaded the module"

func listen[T any](string, signals.SignalListenerErr[T], []string) {
	panic("jsbridge: Listen" + needsJS)
}

func export[T any](string, signals.Signal[T]) {
	panic("jsbridge: Export" + needsJS)
}

func serve() {
	panic("jsbridge: Serve" + needsJS)
}
