//go:build js && wasm

package worker

import (
	"context"
	"runtime"
	"syscall/js"
	"time"
	"unsafe"
)

// serveEvents lets js/worker.mjs hand the Worker's scheduled and queue
// events to p. Like a request, an event has the runtime to itself from its
// start to the end of its WaitUntil tasks. Go answers through
// binding.settle: settle(result..., finished) once the listeners have
// returned, then, unless finished was true, settle() with no arguments
// once all the event's work is over.
func serveEvents(p *Pipeline, binding js.Value) {
	settle := binding.Get("settle")
	// These live as long as the Go program: never released.
	binding.Set("scheduled", js.FuncOf(func(_ js.Value, args []js.Value) any {
		ev := ScheduledEvent{Cron: args[0].String(), Time: time.UnixMilli(int64(args[1].Float()))}
		go func() {
			var failure any // null: the listeners succeeded
			if err := p.HandleScheduled(eventContext(), ev); err != nil {
				failure = err.Error()
			}
			settled(p, settle, failure)
		}()
		return nil
	}))
	binding.Set("queue", js.FuncOf(func(_ js.Value, args []js.Value) any {
		batch, err := readBatch(args[1].String(), buf[:args[0].Int()], args[2].Int())
		p.goStep(func() {
			if err != nil {
				settled(p, settle, err.Error())
				return
			}
			// One int32 a message: -1 acknowledges it, n >= 0 retries it
			// after n seconds.
			outcome := make([]int32, len(batch))
			for i, err := range p.HandleQueue(eventContext(), batch) {
				outcome[i] = -1
				if err != nil {
					outcome[i] = int32(retryDelay(err))
				}
			}
			settled(p, settle, nil, uintptr(unsafe.Pointer(unsafe.SliceData(outcome))), len(outcome))
			runtime.KeepAlive(outcome)
		})
		return nil
	}))
}

// eventContext is the context of an event's listeners: Env works in it.
func eventContext() context.Context {
	return context.WithValue(context.Background(), envKey{}, true)
}

// settled reports an event's result to js/worker.mjs, and then the end of
// its work, as serve does for a request.
func settled(p *Pipeline, settle js.Value, result ...any) {
	runtime.Gosched() // let WaitUntil tasks that need no JavaScript finish first
	finished := p.idle()
	settle.Invoke(append(result, finished)...)
	if !finished {
		p.Wait(context.Background())
		settle.Invoke()
	}
}
