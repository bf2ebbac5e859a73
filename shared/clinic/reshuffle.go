package clinic

import "sort"

// Place is one waiting appointment as the reshuffle sees it.
type Place struct {
	ID        string
	Token     int
	Present   bool // CHECKED_IN
	Emergency bool // an emergency check-in: ahead of every other waiting patient
}

// Move is one token change the reshuffle decided.
type Move struct {
	ID       string
	From, To int
}

// Reshuffle decides the token changes that leave no absent patient ahead of a present one:
// the waiting patients' token set is kept and handed out again in order — emergencies first,
// then present patients, then absent ones, each group in its current token order. That is
// exactly where "swap an absent patient ahead of a present one until no such hole remains"
// ends up, for present patients; it also keeps absent patients in their order. Only the
// appointments whose token changes are returned, in the order of their new tokens, so a
// queue that is already in order yields no moves.
func Reshuffle(waiting []Place) []Move {
	byToken := append([]Place(nil), waiting...)
	sort.Slice(byToken, func(i, j int) bool { return byToken[i].Token < byToken[j].Token })
	tokens := make([]int, len(byToken))
	for i, p := range byToken {
		tokens[i] = p.Token
	}
	rank := func(p Place) int {
		switch {
		case p.Present && p.Emergency:
			return 0
		case p.Present:
			return 1
		}
		return 2
	}
	order := append([]Place(nil), byToken...)
	sort.SliceStable(order, func(i, j int) bool { return rank(order[i]) < rank(order[j]) })
	var moves []Move
	for i, p := range order {
		if p.Token != tokens[i] {
			moves = append(moves, Move{ID: p.ID, From: p.Token, To: tokens[i]})
		}
	}
	return moves
}
