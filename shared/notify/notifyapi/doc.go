// Package notifyapi holds the notification product's HTTP handlers: POST /api/v1/notify,
// GET /api/v1/notifications/{id}, POST and GET /api/v1/tenants and the dead-letter redrive.
// Each decodes strictly, asks package notify to validate, commits through notifystore /
// notifyqueue and renders the answer. It must never take the tenant from a request body,
// return or log a tenant's credentials, check roles itself (the policy table does) or
// write audit records (the chain's decorator does).
package notifyapi
