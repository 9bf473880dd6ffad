package signals

import (
	"context"
	"sync"
	"sync/atomic"
)

const defaultCapacity = 11

// listener is one entry of a signal. Emits call the listener's own function
// wherever they can, because a wrapper around it would double the cost of the
// call (docs/benchmarks.md): a SyncSignal's Emit, which ignores errors, calls
// emit, which is the listener itself for a listener that cannot fail and a
// wrapper dropping the error for one that can; the other emits call try, the
// function of a listener that can fail, or emit when try is nil.
type listener[T any] struct {
	key  string
	emit SignalListener[T]
	try  SignalListenerErr[T] // nil for a listener that cannot fail
	// allCanFail is set when this listener and every one before it can
	// fail, so that a snapshot's last listener tells TryEmit whether it may
	// call every try untested: the test of each listener's kind cost it a
	// fifth of its time at 10 and 100 listeners (docs/benchmarks.md).
	allCanFail bool
	// once is set for AddOnce listeners, whose emit claims it before it
	// calls fn. AsyncSignal claims it itself, before it starts a goroutine,
	// and then calls fn.
	once *atomic.Bool
	fn   SignalListener[T]
}

// store is the listener set that SyncSignal and AsyncSignal share.
//
// Emits read an immutable snapshot through one atomic load. Writers, under mu,
// publish a new snapshot. Adding appends in place when the backing array has
// room: older snapshots are shorter, so they never see the new slot. Removing
// and resetting always start a new array, because shrinking in place would
// overwrite slots that running emits still read.
type store[T any] struct {
	mu   sync.Mutex
	list atomic.Pointer[[]listener[T]]
	opts SignalOptions
}

func (s *store[T]) setOptions(opts *SignalOptions) {
	if opts != nil {
		s.opts = *opts
	}
}

func (s *store[T]) load() []listener[T] {
	if p := s.list.Load(); p != nil {
		return *p
	}
	return nil
}

// AddListener adds fn, to be called on every emit. The optional key (only
// the first is used; "" means none) makes the listener removable with
// RemoveListener. It returns the number of listeners, or -1 if a listener
// with the same key is already present.
func (s *store[T]) AddListener(fn SignalListener[T], key ...string) int {
	if fn == nil {
		panic("signals: AddListener with a nil listener")
	}
	return s.add(listener[T]{key: firstKey(key), emit: fn})
}

// AddListenerWithErr adds fn, a listener that can fail, exactly as
// AddListener adds a listener that cannot.
func (s *store[T]) AddListenerWithErr(fn SignalListenerErr[T], key ...string) int {
	if fn == nil {
		panic("signals: AddListenerWithErr with a nil listener")
	}
	return s.add(listener[T]{
		key:  firstKey(key),
		emit: func(ctx context.Context, payload T) { _ = fn(ctx, payload) },
		try:  fn,
	})
}

// AddOnce adds fn to be called by one emit at most, even when several emits
// run at once; that emit also removes it. It returns the number of listeners.
func (s *store[T]) AddOnce(fn SignalListener[T]) int {
	return s.AddOnceWithKey(fn, "")
}

// AddOnceWithKey is AddOnce with a key, so that the listener can be removed
// with RemoveListener before it runs. It returns -1 if the key is taken.
func (s *store[T]) AddOnceWithKey(fn SignalListener[T], key string) int {
	if fn == nil {
		panic("signals: AddOnce with a nil listener")
	}
	once := new(atomic.Bool)
	emit := func(ctx context.Context, payload T) {
		if s.claim(once) {
			fn(ctx, payload)
		}
	}
	return s.add(listener[T]{key: key, emit: emit, once: once, fn: fn})
}

func firstKey(key []string) string {
	if len(key) == 0 {
		return ""
	}
	return key[0]
}

func (s *store[T]) add(l listener[T]) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.load()
	if l.key != "" && indexOfKey(cur, l.key) >= 0 {
		return -1
	}
	next := cur
	if len(cur) == cap(cur) {
		next = make([]listener[T], len(cur), s.grow(cap(cur)))
		copy(next, cur)
	}
	next = append(next, l)
	failFlags(next, len(next)-1)
	s.list.Store(&next)
	return len(next)
}

// failFlags sets allCanFail of list[from:]. It writes only slots that no
// published snapshot holds: a new last slot, or a new array.
func failFlags[T any](list []listener[T], from int) {
	for i := from; i < len(list); i++ {
		list[i].allCanFail = list[i].try != nil && (i == 0 || list[i-1].allCanFail)
	}
}

// grow returns the capacity that replaces a full store of capacity c.
func (s *store[T]) grow(c int) int {
	if c == 0 {
		if s.opts.InitialCapacity > 0 {
			return s.opts.InitialCapacity
		}
		return defaultCapacity
	}
	if s.opts.GrowthFunc != nil {
		if n := s.opts.GrowthFunc(c); n > c {
			return n
		}
	}
	return 2 * c
}

func indexOfKey[T any](list []listener[T], key string) int {
	for i := range list {
		if list[i].key == key {
			return i
		}
	}
	return -1
}

// RemoveListener removes the listener with key and returns the number of
// listeners left, or -1 if no listener has that key. Emits already running
// may still call the removed listener.
func (s *store[T]) RemoveListener(key string) int {
	if key == "" {
		return -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.load()
	i := indexOfKey(cur, key)
	if i < 0 {
		return -1
	}
	return s.removeAt(cur, i)
}

// removeOnce removes the AddOnce listener whose flag is once, if present.
func (s *store[T]) removeOnce(once *atomic.Bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.load()
	for i := range cur {
		if cur[i].once == once {
			s.removeAt(cur, i)
			return
		}
	}
}

// removeAt publishes cur without its i-th listener; s.mu must be held. The
// new array keeps one free slot, not cur's whole capacity: a loop removing
// many listeners would otherwise allocate the full capacity every time.
func (s *store[T]) removeAt(cur []listener[T], i int) int {
	next := make([]listener[T], len(cur)-1, len(cur))
	copy(next, cur[:i])
	copy(next[i:], cur[i+1:])
	failFlags(next, i)
	s.list.Store(&next)
	return len(next)
}

// claim reports whether the caller is the one emit that runs the AddOnce
// listener with flag once, and removes that listener if so.
func (s *store[T]) claim(once *atomic.Bool) bool {
	if !once.CompareAndSwap(false, true) {
		return false
	}
	s.removeOnce(once)
	return true
}

// Reset removes every listener. The next add allocates InitialCapacity again.
func (s *store[T]) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list.Store(nil)
}

// Len returns the number of listeners.
func (s *store[T]) Len() int {
	return len(s.load())
}

// IsEmpty reports whether the signal has no listeners.
func (s *store[T]) IsEmpty() bool {
	return s.Len() == 0
}

// Keys returns the keys of the keyed listeners, in the order they were added.
func (s *store[T]) Keys() []string {
	var keys []string
	for _, l := range s.load() {
		if l.key != "" {
			keys = append(keys, l.key)
		}
	}
	return keys
}

// HasKey reports whether a listener with key is present.
func (s *store[T]) HasKey(key string) bool {
	return key != "" && indexOfKey(s.load(), key) >= 0
}

// report hands err, which nobody waits for, to OnError or, without one, to
// logFailure.
func (s *store[T]) report(err error) {
	if s.opts.OnError == nil {
		logFailure("signals: listener failed", err)
		return
	}
	defer func() {
		// A panicking error handler must not take the program down with it.
		if r := recover(); r != nil {
			logFailure("signals: OnError panicked with "+describe(r)+" on", err)
		}
	}()
	s.opts.OnError(err)
}
