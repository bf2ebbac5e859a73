package clinic

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

func apply(places []Place, moves []Move) map[string]int {
	out := map[string]int{}
	for _, p := range places {
		out[p.ID] = p.Token
	}
	for _, m := range moves {
		out[m.ID] = m.To
	}
	return out
}

// randomQueue draws a waiting set: distinct tokens from 1..max (holes allowed: cancelled and
// called patients leave the set), each present or absent, a few emergencies among the present.
func randomQueue(r *rand.Rand) []Place {
	n := r.IntN(40)
	tokens := r.Perm(n + r.IntN(10) + 1)[:n]
	var out []Place
	for i, t := range tokens {
		p := Place{ID: fmt.Sprintf("a%d", i), Token: t + 1, Present: r.IntN(2) == 0}
		p.Emergency = p.Present && r.IntN(8) == 0
		out = append(out, p)
	}
	return out
}

// swapUntilNoHole is the rule as SPEC words it: while an absent patient stands ahead of a
// present one, swap their tokens — taking the first such absent patient and the first present
// one behind it, so present patients keep their order. It is the reference the reshuffle must
// agree with for present patients.
func swapUntilNoHole(places []Place) map[string]int {
	cur := map[string]int{}
	present := map[string]bool{}
	for _, p := range places {
		cur[p.ID] = p.Token
		present[p.ID] = p.Present
	}
	for {
		ids := make([]string, 0, len(places))
		for _, p := range places {
			ids = append(ids, p.ID)
		}
		sort.Slice(ids, func(i, j int) bool { return cur[ids[i]] < cur[ids[j]] })
		hole := -1
		swapped := false
		for i, id := range ids {
			if !present[id] && hole < 0 {
				hole = i
			}
			if present[id] && hole >= 0 {
				a, b := ids[hole], id
				cur[a], cur[b] = cur[b], cur[a]
				swapped = true
				break
			}
		}
		if !swapped {
			return cur
		}
	}
}

func TestReshuffleProperties(t *testing.T) {
	for seed := uint64(0); seed < 3000; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		places := randomQueue(r)
		for i := range places {
			places[i].Emergency = false // emergencies have their own property below
		}
		moves := Reshuffle(places)
		got := apply(places, moves)

		var before, after []int
		for _, p := range places {
			before = append(before, p.Token)
			after = append(after, got[p.ID])
		}
		sort.Ints(before)
		sort.Ints(after)
		if !slices.Equal(before, after) {
			t.Fatalf("seed %d: token set changed %v → %v", seed, before, after)
		}
		var present, absent []Place
		for _, p := range places {
			if p.Present {
				present = append(present, p)
			} else {
				absent = append(absent, p)
			}
		}
		byOrig := func(ps []Place) { sort.Slice(ps, func(i, j int) bool { return ps[i].Token < ps[j].Token }) }
		byOrig(present)
		byOrig(absent)
		// Present patients hold the lowest tokens, in their original order.
		for i, p := range present {
			if got[p.ID] != before[i] {
				t.Fatalf("seed %d: present %s holds %d, want the %d-th lowest token %d", seed, p.ID, got[p.ID], i, before[i])
			}
		}
		// Absent ones follow, in their original order too.
		for i, p := range absent {
			if got[p.ID] != before[len(present)+i] {
				t.Fatalf("seed %d: absent %s holds %d, want %d", seed, p.ID, got[p.ID], before[len(present)+i])
			}
		}
		// The swap rule as written ends with the same tokens for present patients.
		ref := swapUntilNoHole(places)
		for _, p := range present {
			if ref[p.ID] != got[p.ID] {
				t.Fatalf("seed %d: present %s: reshuffle %d, swap rule %d", seed, p.ID, got[p.ID], ref[p.ID])
			}
		}
		// Only real changes are moves, and a reshuffled queue needs none.
		for _, m := range moves {
			if m.From == m.To {
				t.Fatalf("seed %d: empty move %+v", seed, m)
			}
		}
		again := make([]Place, len(places))
		for i, p := range places {
			again[i] = p
			again[i].Token = got[p.ID]
		}
		if m := Reshuffle(again); len(m) != 0 {
			t.Fatalf("seed %d: reshuffle not idempotent: %v", seed, m)
		}
	}
}

func TestReshuffleEmergenciesGoFirst(t *testing.T) {
	for seed := uint64(0); seed < 2000; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		places := randomQueue(r)
		got := apply(places, Reshuffle(places))
		for _, e := range places {
			for _, o := range places {
				switch {
				case e.Present && e.Emergency && !(o.Present && o.Emergency) && got[e.ID] > got[o.ID]:
					t.Fatalf("seed %d: emergency %s (%d) behind %s (%d)", seed, e.ID, got[e.ID], o.ID, got[o.ID])
				case e.Present && !o.Present && got[e.ID] > got[o.ID]:
					t.Fatalf("seed %d: present %s behind absent %s", seed, e.ID, o.ID)
				}
			}
		}
	}
}

func TestReshuffleExample(t *testing.T) {
	// Five booked; #3 and #5 check in: they take tokens 1 and 2, the rest follow in order.
	places := []Place{{"p1", 1, false, false}, {"p2", 2, false, false}, {"p3", 3, true, false}, {"p4", 4, false, false}, {"p5", 5, true, false}}
	got := apply(places, Reshuffle(places))
	want := map[string]int{"p3": 1, "p5": 2, "p1": 3, "p2": 4, "p4": 5}
	for id, tok := range want {
		if got[id] != tok {
			t.Fatalf("%s: got %d want %d (%v)", id, got[id], tok, got)
		}
	}
}
