// Package signals is a typed, in-process event core: a signal carries payloads
// of one type T to the listeners added to it.
//
// There are two kinds of signal, both ready to use as zero values:
//
//   - [SyncSignal] calls its listeners one after another, in the order they
//     were added, on the goroutine that emits. [SyncSignal.TryEmit] stops at
//     the first listener error and returns it, which makes a SyncSignal a
//     pipeline of steps: validation, then payment, then ledger.
//   - [AsyncSignal] calls every listener on its own goroutine.
//     [AsyncSignal.Emit] returns at once (fire and forget);
//     [AsyncSignal.TryEmit] waits for all listeners and joins their errors;
//     [AsyncSignal.Wait] drains the listeners still running, so a program
//     that shuts down loses no event.
//
// Listeners may carry a key. A keyed listener can be removed with
// RemoveListener and is unique within its signal; unkeyed listeners are
// removed only by Reset.
//
// # Concurrency
//
// Every method is safe for concurrent use. The listener set lives in an
// immutable snapshot that adding and removing replace atomically, so an emit
// takes no lock, and a SyncSignal's emit allocates nothing (an AsyncSignal's
// starts goroutines). An emit sees the listener set as it was
// when the emit started; listeners may add or remove listeners or emit on the
// same signal without deadlock.
//
// # Panics and errors
//
// A panicking listener never crashes the program. TryEmit returns the panic as
// a [*PanicError]; elsewhere it goes, like the errors of listeners nobody
// waits for, to [SignalOptions].OnError (by default logged with log/slog, or
// written to standard error on js/wasm).
// Errors of keyed listeners come wrapped in a [*ListenerError] that names the
// key; errors.Is and errors.As reach the listener's own error either way.
//
// # Compatibility
//
// The API follows github.com/maniartech/signals v1.3.1: [New] returns an
// [*AsyncSignal] and [NewSync] a [*SyncSignal], and their methods have
// v1.3.1's signatures. The differences, mostly in behaviour (an async Emit
// returns at once, panics are contained, keyed errors are wrapped), are
// listed in the README of the repository.
package signals
