package signals

import "context"

// SyncSignal calls its listeners one after another, in the order they were
// added, on the goroutine that emits. The zero value is ready to use.
type SyncSignal[T any] struct {
	store[T]
}

// TryEmit calls the listeners in order and stops at the first that fails,
// returning its error (a [*ListenerError] if the listener has a key). A
// panicking listener stops it too and is returned as a [*PanicError]. Before
// each listener TryEmit checks ctx and returns ctx.Err() once ctx is done; a
// deadline passing during the last listener does not turn success into an
// error. A nil ctx means context.Background().
func (s *SyncSignal[T]) TryEmit(ctx context.Context, payload T) error {
	_, err := s.run(orBackground(ctx), s.load(), payload, false)
	return err
}

// Emit calls the listeners in order, ignoring the errors of error-listeners.
// A panicking listener is sent to [SignalOptions].OnError and the next
// listener runs. Emit stops early, silently, once ctx is done. A nil ctx
// means context.Background().
func (s *SyncSignal[T]) Emit(ctx context.Context, payload T) {
	ctx = orBackground(ctx)
	list := s.load()
	for len(list) > 0 {
		i, err := s.run(ctx, list, payload, true)
		perr, ok := err.(*PanicError)
		if !ok {
			return // all called, or ctx is done
		}
		s.report(perr)
		list = list[i+1:]
	}
}

// run calls the listeners of list in order. It returns at the first panic (as
// a *PanicError), when ctx is done (ctx.Err()), and, unless ignoreErrs, at
// the first listener error, with the index of the listener it stopped at.
func (s *SyncSignal[T]) run(ctx context.Context, list []listener[T], payload T, ignoreErrs bool) (int, error) {
	if ctx.Done() == nil { // a context that is never done: nothing to check
		return s.call(ctx, list, payload, ignoreErrs)
	}
	return s.callChecked(ctx, list, payload, ignoreErrs)
}

// callChecked is call with a check of ctx before each listener. Checking
// inside call's loop slowed every emit down by half, so a context that can
// end takes this slower path of one call per listener instead.
func (s *SyncSignal[T]) callChecked(ctx context.Context, list []listener[T], payload T, ignoreErrs bool) (int, error) {
	done := ctx.Done()
	for i := range list {
		select {
		case <-done:
			return i, ctx.Err()
		default:
		}
		if _, err := s.call(ctx, list[i:i+1], payload, ignoreErrs); err != nil {
			return i, err
		}
	}
	return len(list), nil
}

// call calls the listeners of list in order, without checking ctx.
//
// One deferred recover guards the whole loop: a defer per listener would cost
// more than the calls it guards.
func (s *SyncSignal[T]) call(ctx context.Context, list []listener[T], payload T, ignoreErrs bool) (i int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newPanicError(list[i].key, r)
		}
	}()
	for ; i < len(list); i++ {
		l := &list[i]
		if l.once != nil && !s.claim(l.once) {
			continue
		}
		// The call is spelled out here, not via l.call: the compiler does not
		// inline methods of generic types into shape-instantiated code, and
		// the extra call per listener doubled the cost of an emit.
		if l.fn != nil {
			l.fn(ctx, payload)
		} else if lerr := l.fnErr(ctx, payload); lerr != nil && !ignoreErrs {
			return i, listenerError(l.key, lerr)
		}
	}
	return i, nil
}
