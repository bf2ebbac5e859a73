package errs

import "errors"

// Validator collects every bad field of a request so the client learns about all of them at
// once. The zero value is ready to use.
type Validator struct {
	fields []FieldError
}

// Add records a bad field.
func (v *Validator) Add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// Check records field as bad with message unless ok; it returns ok.
func (v *Validator) Check(ok bool, field, message string) bool {
	if !ok {
		v.Add(field, message)
	}
	return ok
}

// Merge takes the fields of a validation problem (or any problem with fields) into v. It
// returns err unchanged when err carries no fields, so the caller can still handle it.
func (v *Validator) Merge(err error) error {
	var p *Error
	if err != nil && errors.As(err, &p) && len(p.Fields) > 0 {
		v.fields = append(v.fields, p.Fields...)
		return nil
	}
	return err
}

// Valid reports whether no bad field was recorded.
func (v *Validator) Valid() bool { return len(v.fields) == 0 }

// Err returns a Validation problem naming every bad field, or nil.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return Validation(v.fields...)
}
