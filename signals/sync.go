package signals

import "context"

// SyncSignal calls its listeners one after another, in the order they were
// added, on the goroutine that emits. The zero value is ready to use.
type SyncSignal[T any] struct {
	store[T]
}

// Both emit methods hand the whole emit to one function (tryFrom, emitFrom)
// that is as close to a plain loop over the listeners as the rules allow,
// because a sync emit to a few listeners costs about as much as the calls
// themselves (docs/benchmarks.md): TryEmit and Emit are small enough to be
// inlined into the emitter; one deferred recover guards the whole loop (a
// defer per listener would cost more than the calls it guards); its closure
// holds a pointer to the snapshot, not the slice; the loops call each
// listener's own function (see listener), TryEmit without testing its kind
// when all can fail (see allCanFail); and a context that can end is
// handed to a loop of its own (tryChecked, emitChecked), so that the common
// loop tests nothing per listener but which function to call, and keeps a
// small frame.

// TryEmit calls the listeners in order and stops at the first that fails,
// returning its error (a [*ListenerError] if the listener has a key). A
// panicking listener stops it too and is returned as a [*PanicError]. Before
// each listener TryEmit checks ctx and returns ctx.Err() once ctx is done; a
// deadline passing during the last listener does not turn success into an
// error. A nil ctx means context.Background().
func (s *SyncSignal[T]) TryEmit(ctx context.Context, payload T) error {
	return s.tryFrom(ctx, s.list.Load(), payload)
}

// Emit calls the listeners in order, ignoring the errors of error-listeners.
// A panicking listener is sent to [SignalOptions].OnError and the next
// listener runs. Emit stops early, silently, once ctx is done. A nil ctx
// means context.Background().
func (s *SyncSignal[T]) Emit(ctx context.Context, payload T) {
	s.emitFrom(ctx, s.list.Load(), 0, payload)
}

// tryFrom calls the listeners of the snapshot list in order and returns the
// first error or panic.
func (s *SyncSignal[T]) tryFrom(ctx context.Context, list *[]listener[T], payload T) (err error) {
	if list == nil {
		return nil
	}
	c := orBackground(ctx)
	if mayEnd(&c) {
		return s.tryChecked(c, list, payload)
	}
	// The loop counts with j and only writes i, the index the closure reads:
	// counting with i would read it back from memory on every iteration.
	i := 0
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError((*list)[i].key, r)
		}
	}()
	all := *list
	if len(all) > 0 && all[len(all)-1].allCanFail {
		// The error path reads the index back from i: keeping the
		// listener's offset across the call would cost a store per listener.
		for j := range all {
			i = j
			if err := all[j].try(c, payload); err != nil {
				return listenerError(all[i].key, err)
			}
		}
		return nil
	}
	for j := range all {
		i = j
		if try := all[j].try; try != nil {
			if err := try(c, payload); err != nil {
				return listenerError(all[i].key, err)
			}
		} else {
			all[j].emit(c, payload)
		}
	}
	return nil
}

// tryChecked is tryFrom for a context that can end: it checks ctx before
// each listener.
func (s *SyncSignal[T]) tryChecked(ctx context.Context, list *[]listener[T], payload T) (err error) {
	i := 0
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError((*list)[i].key, r)
		}
	}()
	all := *list
	for ; i < len(all); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if try := all[i].try; try != nil {
			if err := try(ctx, payload); err != nil {
				return listenerError(all[i].key, err)
			}
		} else {
			all[i].emit(ctx, payload)
		}
	}
	return nil
}

// emitFrom calls the listeners of the snapshot list in order, from the i-th
// on. A panicking listener is reported, and the listeners after it still run.
func (s *SyncSignal[T]) emitFrom(ctx context.Context, list *[]listener[T], i int, payload T) {
	if list == nil {
		return
	}
	c := orBackground(ctx)
	if mayEnd(&c) {
		s.emitChecked(c, list, i, payload)
		return
	}
	// The closure is built on every emit: pointers to c and payload are
	// cheaper to store in it than copies of them.
	ctxp, payloadp := &c, &payload
	defer func() {
		if r := recover(); r != nil {
			s.report(newPanicError((*list)[i].key, r))
			s.emitFrom(*ctxp, list, i+1, *payloadp)
		}
	}()
	all := *list
	for ; i < len(all); i++ {
		all[i].emit(c, payload)
	}
}

// emitChecked is emitFrom for a context that can end: it returns, silently,
// once ctx is done.
func (s *SyncSignal[T]) emitChecked(ctx context.Context, list *[]listener[T], i int, payload T) {
	defer func() {
		if r := recover(); r != nil {
			s.report(newPanicError((*list)[i].key, r))
			s.emitChecked(ctx, list, i+1, payload)
		}
	}()
	all := *list
	for ; i < len(all); i++ {
		if ctx.Err() != nil {
			return
		}
		all[i].emit(ctx, payload)
	}
}
