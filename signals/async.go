package signals

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// AsyncSignal calls each listener on a goroutine of its own. The zero value
// is ready to use; [New] and [NewWithOptions] return an *AsyncSignal.
type AsyncSignal[T any] struct {
	store[T]
	running drain
	slots   chan struct{} // bounds concurrent listeners; nil means no bound
}

// Emit starts every listener on its own goroutine and returns at once. The
// errors and panics of the listeners go to [SignalOptions].OnError. If ctx
// is already done, Emit starts nothing. A nil ctx means
// context.Background(). Use [AsyncSignal.Wait] to wait for the listeners.
func (s *AsyncSignal[T]) Emit(ctx context.Context, payload T) {
	ctx = orBackground(ctx)
	if ctx.Err() != nil {
		return
	}
	list := s.load()
	s.running.add(len(list))
	for i := range list {
		if s.start(&list[i]) {
			go s.deliver(ctx, &list[i], payload)
		}
	}
}

// start reports whether l is to run, which an AddOnce listener is only for
// the emit that claims it. Emits claim here, before a goroutine starts:
// claiming in the goroutine would leave the listener in place, to be started
// again by every emit, until the scheduler ran one of them.
func (s *AsyncSignal[T]) start(l *listener[T]) bool {
	if l.once != nil && !s.claim(l.once) {
		s.running.done()
		return false
	}
	return true
}

func (s *AsyncSignal[T]) deliver(ctx context.Context, l *listener[T], payload T) {
	defer s.running.done()
	if err := s.call(ctx, l, payload); err != nil {
		s.report(err)
	}
}

// TryEmit runs every listener on its own goroutine, waits for all of them and
// returns their errors joined with errors.Join (nil if none failed). A
// panicking listener contributes a [*PanicError]. If ctx is already done,
// TryEmit starts nothing and returns ctx.Err(). A nil ctx means
// context.Background().
func (s *AsyncSignal[T]) TryEmit(ctx context.Context, payload T) error {
	ctx = orBackground(ctx)
	if err := ctx.Err(); err != nil {
		return err
	}
	list := s.load()
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	s.running.add(len(list))
	for i := range list {
		if s.start(&list[i]) {
			wg.Go(func() {
				defer s.running.done()
				errs[i] = s.call(ctx, &list[i], payload)
			})
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// call runs l in a free slot and returns its error or panic.
func (s *AsyncSignal[T]) call(ctx context.Context, l *listener[T], payload T) (err error) {
	if s.slots != nil {
		s.slots <- struct{}{}
		defer func() { <-s.slots }()
	}
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(l.key, r)
		}
	}()
	switch {
	case l.once != nil:
		l.fn(ctx, payload) // start claimed it already; l.emit would claim again
	case l.try == nil:
		l.emit(ctx, payload)
	default:
		if err := l.try(ctx, payload); err != nil {
			return listenerError(l.key, err)
		}
	}
	return nil
}

// Wait returns once every listener started by an earlier Emit or TryEmit has
// returned, or with ctx.Err() if ctx is done first. Listeners started while
// Wait runs may keep it waiting too. A nil ctx means context.Background().
func (s *AsyncSignal[T]) Wait(ctx context.Context) error {
	return s.running.wait(orBackground(ctx))
}

// drain counts running listeners and wakes waiters when none is left.
type drain struct {
	n    atomic.Int64
	mu   sync.Mutex
	idle chan struct{} // closed when n drops to zero; nil while nobody waits
}

func (d *drain) add(n int) { d.n.Add(int64(n)) }

func (d *drain) done() {
	if d.n.Add(-1) != 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// Check again: an emit may have started listeners since the count hit
	// zero, and a waiter that came after that emit must wait for them.
	if d.idle != nil && d.n.Load() == 0 {
		close(d.idle)
		d.idle = nil
	}
}

func (d *drain) wait(ctx context.Context) error {
	d.mu.Lock()
	if d.n.Load() == 0 {
		d.mu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
