package notify

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// validDomain reports whether d is a host name an address may name: dot-separated labels of
// letters, digits and '-', none starting or ending with '-', at most 63 bytes each, at least two
// labels, the last not all digits. A domain literal ([127.0.0.1]) or an IP address is not one:
// an address must be delivered by the domain's MX, not to an arbitrary host.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// compatibilityFree reports whether s is in NFKC form: a fullwidth 'ａ', a ligature or a
// superscript would be delivered (or displayed) as another address than the one that reads
// the same.
func compatibilityFree(s string) bool { return norm.NFKC.IsNormalString(s) }

// ReservedDataKey reports whether FCM reserves k in a message's data: "from", "notification",
// "message_type", "collapse_key" and anything starting with "google" or "gcm" (FCM's documented
// reserved words, compared without case). A message holding one is refused by FCM at
// delivery, so the request is refused at intake.
func ReservedDataKey(k string) bool {
	switch l := strings.ToLower(k); {
	case l == "from", l == "notification", l == "message_type", l == "collapse_key":
		return true
	default:
		return strings.HasPrefix(l, "google") || strings.HasPrefix(l, "gcm")
	}
}
