//go:build js && wasm

// Command wasm is edgesignals.wasm, the Go side of the edgesignals npm
// package: the signal core and the bridge, plus one example Go listener that
// the demo page and the package's tests use.
package main

import (
	"context"
	"errors"
	"strings"

	"github.com/edgesignals/edgesignals/jsbridge"
)

func main() {
	// Validates the orders that JavaScript emits on its "orders" signal.
	jsbridge.Listen("orders", validateOrder, "go:validate")
	jsbridge.Serve()
}

// validateOrder checks an order of the shape {item, quantity, email}.
func validateOrder(_ context.Context, order map[string]any) error {
	item, _ := order["item"].(string)
	quantity, _ := order["quantity"].(float64)
	email, _ := order["email"].(string)
	switch {
	case strings.TrimSpace(item) == "":
		return errors.New("order: choose an item")
	case quantity < 1 || quantity > 10 || quantity != float64(int(quantity)):
		return errors.New("order: quantity must be a whole number from 1 to 10")
	case !strings.Contains(email, "@"):
		return errors.New("order: email must contain @")
	}
	return nil
}
