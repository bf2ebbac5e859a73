package notifystore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"holdfast/shared/notify"
)

// Secrets keeps each tenant's provider credentials in Secrets Manager under
// <prefix><tenantId>. Values are never returned by the API and never logged.
type Secrets struct {
	client *secretsmanager.Client
	prefix string
}

// NewSecrets returns the tenant secret store.
func NewSecrets(client *secretsmanager.Client, prefix string) *Secrets {
	return &Secrets{client: client, prefix: prefix}
}

// Name is the secret's name for a tenant.
func (s *Secrets) Name(tenant string) string { return s.prefix + tenant }

// ErrNoSecret: the tenant has no stored credentials.
var ErrNoSecret = errors.New("tenant has no credentials")

// Put stores the tenant's credentials (creating the secret, or replacing its value when a
// previous registration attempt created it and then failed).
func (s *Secrets) Put(ctx context.Context, tenant string, sec notify.TenantSecret) error {
	b, err := json.Marshal(sec)
	if err != nil {
		return fmt.Errorf("encode tenant secret: %w", err)
	}
	name := s.Name(tenant)
	_, err = s.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(b)),
		Description: aws.String("Holdfast notify provider credentials of tenant " + tenant)})
	var exists *smtypes.ResourceExistsException
	if errors.As(err, &exists) {
		_, err = s.client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(string(b))})
	}
	if err != nil {
		return fmt.Errorf("store tenant secret: %w", err)
	}
	return nil
}

// Get reads the tenant's credentials.
func (s *Secrets) Get(ctx context.Context, tenant string) (notify.TenantSecret, error) {
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.Name(tenant))})
	var nf *smtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return notify.TenantSecret{}, ErrNoSecret
	}
	if err != nil {
		return notify.TenantSecret{}, fmt.Errorf("read tenant secret: %w", err)
	}
	var sec notify.TenantSecret
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &sec); err != nil {
		return notify.TenantSecret{}, errors.New("tenant secret is not readable")
	}
	return sec, nil
}
