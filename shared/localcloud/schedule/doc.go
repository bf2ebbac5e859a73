// Package schedule is the local cloud's EventBridge schedules: it parses AWS schedule
// expressions — rate(…) and the six-field cron(…) — computes their fire times, and fires each
// schedule by invoking its function with the event EventBridge would deliver, carrying the fire
// time as the function's clock (client context "holdfast-now"). Run fires one on demand with a
// chosen time, for `holdfast schedule run NAME --as-of T`.
//
// It only invokes functions through the lambdaruntime.Invoker; it must never run job code itself,
// never fire a schedule twice for one slot, and never let its chosen time leak anywhere but the
// invocation it belongs to. It runs in the local cloud only: on AWS, EventBridge fires the same
// template's schedules and function code cannot tell the difference.
package schedule
