package strs

import "testing"

func TestShout(t *testing.T) {
	if Shout("hi") != "HI!" {
		t.Fatal("bad shout")
	}
}

func TestShoutNested(t *testing.T) {
	t.Run("outer", func(t *testing.T) {
		t.Run("inner_ok", func(t *testing.T) {})
		t.Run("inner_skip", func(t *testing.T) { t.Skip("later") })
	})
}
