// Package clinicapi holds the clinic queue's HTTP route handlers: decode and validate the
// request, ask authz about ownership, let package clinic decide, let clinicstore commit, and
// answer. Each exported Build function is one route's handler for lambdahttp.Start. It must
// never decide a queue rule itself, write outside clinicstore (and the connection store for
// display grants), or put a patient's name where the public can see it.
package clinicapi
