package signals

import "context"

// SignalListener is a listener that cannot fail.
type SignalListener[T any] func(context.Context, T)

// SignalListenerErr is a listener that reports failure by returning an error.
// Its error stops [SyncSignal.TryEmit] and is joined into the result of
// [AsyncSignal.TryEmit]; Emit ignores it on a SyncSignal and hands it to
// [SignalOptions].OnError on an AsyncSignal.
type SignalListenerErr[T any] func(context.Context, T) error

// Signal is the behaviour shared by [*SyncSignal] and [*AsyncSignal]; the two
// differ in how Emit and TryEmit call the listeners.
type Signal[T any] interface {
	// Emit calls the listeners with ctx and payload; see the concrete types.
	Emit(ctx context.Context, payload T)
	// TryEmit calls the listeners, waits for them and reports their errors;
	// see the concrete types.
	TryEmit(ctx context.Context, payload T) error
	// AddListener adds fn. The optional key (only the first is used; ""
	// means none) makes it removable with RemoveListener. It returns the
	// number of listeners, or -1 if the key is already taken.
	AddListener(fn SignalListener[T], key ...string) int
	// AddListenerWithErr is AddListener for a listener that can fail.
	AddListenerWithErr(fn SignalListenerErr[T], key ...string) int
	// AddOnce adds fn to be called by one emit at most, even under
	// concurrent emits, after which it is removed. It returns the number of
	// listeners.
	AddOnce(fn SignalListener[T]) int
	// AddOnceWithKey is AddOnce with a key, so that the listener can be
	// removed before it runs. It returns -1 if the key is already taken.
	AddOnceWithKey(fn SignalListener[T], key string) int
	// RemoveListener removes the listener with key and returns the number of
	// listeners left, or -1 if no listener has that key.
	RemoveListener(key string) int
	// Reset removes every listener.
	Reset()
	// Len returns the number of listeners.
	Len() int
	// IsEmpty reports whether the signal has no listeners.
	IsEmpty() bool
	// Keys returns the keys of the keyed listeners, in the order they were
	// added.
	Keys() []string
	// HasKey reports whether a listener with key is present.
	HasKey(key string) bool
}

// SignalOptions tunes a signal. The zero value gives the defaults.
type SignalOptions struct {
	// InitialCapacity is the number of listeners the store holds before it
	// first grows, both at the first add and after Reset. Zero means 11.
	InitialCapacity int
	// GrowthFunc returns the new capacity of a full listener store from its
	// current one. It is called every time the store grows. Nil, or a
	// result not above the current capacity, means doubling.
	GrowthFunc func(currentCap int) int
	// OnError receives the errors nobody waits for: panics during a
	// SyncSignal's Emit, and the errors and panics of an AsyncSignal's
	// listeners during Emit. Nil means logging them with log/slog (writing
	// them to standard error on js/wasm). It may be called from several
	// goroutines at once.
	OnError func(err error)
	// MaxConcurrent, when above zero, bounds how many listeners of an
	// AsyncSignal run at once; the others wait for a free slot on their own
	// goroutines, so Emit still returns at once. SyncSignal ignores it. A
	// listener that calls TryEmit on its own signal holds a slot while it
	// waits for others: once every slot is held that way, they deadlock.
	MaxConcurrent int
}

// New returns a new [AsyncSignal] with default options.
func New[T any]() *AsyncSignal[T] {
	return &AsyncSignal[T]{}
}

// NewWithOptions returns a new [AsyncSignal] with the given options; nil
// means the defaults.
func NewWithOptions[T any](opts *SignalOptions) *AsyncSignal[T] {
	s := &AsyncSignal[T]{}
	s.setOptions(opts)
	if s.opts.MaxConcurrent > 0 {
		s.slots = make(chan struct{}, s.opts.MaxConcurrent)
	}
	return s
}

// NewSync returns a new [SyncSignal] with default options.
func NewSync[T any]() *SyncSignal[T] {
	return &SyncSignal[T]{}
}

// NewSyncWithOptions returns a new [SyncSignal] with the given options; nil
// means the defaults.
func NewSyncWithOptions[T any](opts *SignalOptions) *SyncSignal[T] {
	s := &SyncSignal[T]{}
	s.setOptions(opts)
	return s
}
