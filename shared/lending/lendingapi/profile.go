package lendingapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"holdfast/shared/lending"
	"holdfast/shared/lending/lendingstore"
	"holdfast/shared/platform/audit"
	"holdfast/shared/platform/authz"
	"holdfast/shared/platform/errs"
	"holdfast/shared/platform/httpapi"
	"holdfast/shared/platform/identity"
)

// profileView is the wire form of a profile.
type profileView struct {
	UserID        string    `json:"userId"`
	CreditScore   int       `json:"creditScore"`
	MonthlyIncome *string   `json:"monthlyIncome,omitempty"` // absent until declared
	Email         string    `json:"email,omitempty"`
	Phone         string    `json:"phone,omitempty"`
	FCMToken      string    `json:"fcmToken,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
	Version       int64     `json:"version"`
}

func view(p lending.Profile) profileView {
	v := profileView{UserID: p.UserID, CreditScore: p.CreditScore, Email: p.Contact.Email, Phone: p.Contact.Phone,
		FCMToken: p.Contact.FCMToken, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version}
	if p.MonthlyIncome != nil {
		s := p.MonthlyIncome.StringFixed(2)
		v.MonthlyIncome = &s
	}
	return v
}

func profileStore(d *httpapi.Deps) (*lendingstore.ProfileStore, error) {
	if d.Config.LendingTable == "" {
		return nil, errors.New("LENDING_TABLE is not set")
	}
	return lendingstore.NewProfileStore(d.DynamoDB, d.Config.LendingTable), nil
}

// caller is the authenticated subject, after asking authz that the caller may act on their
// own profile.
func caller(ctx context.Context) (string, error) {
	sub := identity.FromContext(ctx).Subject
	if err := authz.RequireOwner(ctx, sub); err != nil {
		return "", err
	}
	return sub, nil
}

// GetMe builds GET /api/v1/me: the caller's profile, created on first call.
func GetMe(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	store, err := profileStore(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		sub, err := caller(ctx)
		if err != nil {
			return nil, err
		}
		p, err := store.GetOrCreate(ctx, sub, d.Clock.Now(ctx))
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, view(p))
	}, nil
}

type patchMeRequest struct {
	MonthlyIncome *string `json:"monthlyIncome"`
	Email         *string `json:"email"`
	Phone         *string `json:"phone"`
	FCMToken      *string `json:"fcmToken"`
}

// PatchMe builds PATCH /api/v1/me {monthlyIncome?, email?, phone?, fcmToken?}: declares the
// caller's monthly income and sets ("" removes) where the platform's notices reach them. At
// least one field; every bad field is named and nothing is written.
func PatchMe(_ context.Context, d *httpapi.Deps) (httpapi.Handler, error) {
	store, err := profileStore(d)
	if err != nil {
		return nil, err
	}
	return func(r *http.Request) (*httpapi.Response, error) {
		ctx := r.Context()
		sub, err := caller(ctx)
		if err != nil {
			return nil, err
		}
		var req patchMeRequest
		if err := httpapi.Decode(r, &req); err != nil {
			return nil, err
		}
		contact := lending.ContactChange{Email: req.Email, Phone: req.Phone, FCMToken: req.FCMToken}
		if req.MonthlyIncome == nil && contact.IsZero() {
			return nil, errs.Validation(errs.Field(lending.FieldMonthlyIncome, "monthlyIncome, email, phone or fcmToken is required"))
		}
		var income *decimal.Decimal
		var v errs.Validator
		if req.MonthlyIncome != nil {
			parsed, err := lending.ParseMonthlyIncome(*req.MonthlyIncome)
			if err := v.Merge(err); err != nil {
				return nil, err
			}
			income = &parsed
		}
		if err := v.Merge(contact.Validate()); err != nil {
			return nil, err
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		audit.SetEntity(ctx, "profile", sub)
		now := d.Clock.Now(ctx)
		p, err := store.Update(ctx, sub, now, func(cur lending.Profile) (lending.Profile, error) {
			next := cur
			if income != nil {
				next = next.DeclareMonthlyIncome(*income, now)
			}
			next = next.ChangeContact(contact, now)
			next.Version = min(next.Version, cur.Version+1) // one request, one change
			return next, nil
		})
		if err != nil {
			return nil, err
		}
		return httpapi.JSON(http.StatusOK, view(p))
	}, nil
}
