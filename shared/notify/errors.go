package notify

// Stable problem codes of the notification product.
const (
	// CodeTenantNotRegistered: the caller's tenant never registered (403); see SendingTenant.
	CodeTenantNotRegistered = "tenant_not_registered"
	// CodeTenantExists: a registration for a tenant ID that is registered already (409).
	CodeTenantExists = "tenant_exists"
)
