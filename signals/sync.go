package signals

import "context"

// SyncSignal calls its listeners one after another, in the order they were
// added, on the goroutine that emits. The zero value is ready to use.
type SyncSignal[T any] struct {
	store[T]
}

// The emit methods leave the work to one loop each (tryAll, emitAll), which
// calls the listeners with no test per listener. A context that is never done
// (Background, TODO, their WithValue children) has nothing to check; a
// context that can end is checked before each listener on a slower path,
// because checking it inside the loops slowed every emit down by half.

// TryEmit calls the listeners in order and stops at the first that fails,
// returning its error (a [*ListenerError] if the listener has a key). A
// panicking listener stops it too and is returned as a [*PanicError]. Before
// each listener TryEmit checks ctx and returns ctx.Err() once ctx is done; a
// deadline passing during the last listener does not turn success into an
// error. A nil ctx means context.Background().
func (s *SyncSignal[T]) TryEmit(ctx context.Context, payload T) error {
	ctx = orBackground(ctx)
	if ctx.Done() != nil {
		return s.tryChecked(ctx, payload)
	}
	return s.tryAll(ctx, s.load(), payload)
}

// Emit calls the listeners in order, ignoring the errors of error-listeners.
// A panicking listener is sent to [SignalOptions].OnError and the next
// listener runs. Emit stops early, silently, once ctx is done. A nil ctx
// means context.Background().
func (s *SyncSignal[T]) Emit(ctx context.Context, payload T) {
	ctx = orBackground(ctx)
	if ctx.Done() != nil {
		s.emitChecked(ctx, payload)
		return
	}
	s.emitAll(ctx, s.load(), payload)
}

// tryAll calls the listeners of list in order and returns the first error or
// panic.
//
// One deferred recover guards the whole loop: a defer per listener would cost
// more than the calls it guards.
func (s *SyncSignal[T]) tryAll(ctx context.Context, list []listener[T], payload T) (err error) {
	i := 0
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(list[i].key, r)
		}
	}()
	for ; i < len(list); i++ {
		if err := list[i].try(ctx, payload); err != nil {
			return listenerError(list[i].key, err)
		}
	}
	return nil
}

// emitAll calls the listeners of list in order. A panicking listener is
// reported, and the listeners after it still run.
func (s *SyncSignal[T]) emitAll(ctx context.Context, list []listener[T], payload T) {
	i := 0
	defer func() {
		if r := recover(); r != nil {
			s.report(newPanicError(list[i].key, r))
			s.emitAll(ctx, list[i+1:], payload)
		}
	}()
	for ; i < len(list); i++ {
		list[i].emit(ctx, payload)
	}
}

func (s *SyncSignal[T]) tryChecked(ctx context.Context, payload T) error {
	list := s.load()
	for i := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.tryAll(ctx, list[i:i+1], payload); err != nil {
			return err
		}
	}
	return nil
}

func (s *SyncSignal[T]) emitChecked(ctx context.Context, payload T) {
	list := s.load()
	for i := range list {
		if ctx.Err() != nil {
			return
		}
		s.emitAll(ctx, list[i:i+1], payload)
	}
}
