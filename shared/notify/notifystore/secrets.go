package notifystore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/google/uuid"

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

// Put stores the tenant's credentials as a new version of the tenant's secret (creating the
// secret on first use) and returns that version's ID. The tenant item records the version, so
// two registrations racing for one ID cannot leave the winner reading the loser's credentials:
// each reads only the version its own item names. A version added to an existing secret gets
// its own staging label and leaves AWSCURRENT where it was: Secrets Manager may delete versions
// that carry no label, so every registration's version keeps one.
func (s *Secrets) Put(ctx context.Context, tenant string, sec notify.TenantSecret) (string, error) {
	b, err := json.Marshal(sec)
	if err != nil {
		return "", fmt.Errorf("encode tenant secret: %w", err)
	}
	name := s.Name(tenant)
	version := uuid.NewString()
	_, err = s.client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(b)),
		ClientRequestToken: aws.String(version), Description: aws.String("Holdfast notify provider credentials of tenant " + tenant)})
	var exists *smtypes.ResourceExistsException
	if errors.As(err, &exists) {
		_, err = s.client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(string(b)),
			ClientRequestToken: aws.String(version), VersionStages: []string{RegistrationStage(version)}})
	}
	if err != nil {
		return "", fmt.Errorf("store tenant secret: %w", err)
	}
	return version, nil
}

// RegistrationStage is the staging label of the version a registration stored.
func RegistrationStage(version string) string { return "registration-" + version }

// Get reads the tenant's credentials: the version a registration stored, or the current one
// when version is "".
func (s *Secrets) Get(ctx context.Context, tenant, version string) (notify.TenantSecret, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.Name(tenant))}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := s.client.GetSecretValue(ctx, in)
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
