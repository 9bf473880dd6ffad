package signals

// Cap returns the capacity of the listener store, so that tests can check
// InitialCapacity and GrowthFunc.
func (s *store[T]) Cap() int { return cap(s.load()) }
