package mathx

import (
	"fmt"
	"testing"
)

func TestAdd(t *testing.T) {
	if Add(2, 3) != 5 {
		t.Fatal("2+3 should be 5")
	}
}

func TestAddWrong(t *testing.T) {
	if got := Add(2, 2); got != 5 {
		t.Errorf("Add(2, 2) = %d, want 5", got)
	}
}

func TestTable(t *testing.T) {
	cases := []struct {
		name    string
		a, b, w int
	}{{"small", 1, 2, 3}, {"negative", -1, -1, -3}, {"zero", 0, 0, 0}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Add(c.a, c.b); got != c.w {
				t.Errorf("Add(%d, %d) = %d, want %d", c.a, c.b, got, c.w)
			}
		})
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("needs a database")
}

func TestPanics(t *testing.T) {
	fmt.Println("about to divide")
	_ = Div(1, 0)
}
