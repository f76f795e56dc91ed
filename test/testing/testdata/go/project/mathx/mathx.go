package mathx

// Add returns a+b.
func Add(a, b int) int { return a + b }

// Div divides; it panics on a zero divisor.
func Div(a, b int) int { return a / b }
