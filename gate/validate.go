package gate

// Validation before authorization. KMS checks a request against its API
// model (required members, lengths, patterns, enums, ranges, and the rules
// between members that need no key) before it looks at any key or policy,
// so a caller the policies refuse gets, for an invalid request, the same
// error an allowed caller gets, not AccessDeniedException or the
// NotFoundException of a missing key. The gate asks the Validator (step 1
// of the emulator's check order, emulator/checkorder.go) only when it
// refuses a call: allowed calls pay nothing, and the wrapped backend
// validates them itself with the same step.

import "context"

// Validator answers step 1 of a request: in is the *kms.XInput of one
// kmsgate.Backend operation; the answer is the error the operation gives
// before it looks at any key, or nil when the members are valid. It must
// read and change nothing. The emulator serves it (emulator.Service; in
// proxy mode, emulator.InputValidator, the same rules without a store).
type Validator interface {
	Validate(ctx context.Context, in any) error
}

// invalid is the Validator's answer for in (nil without a Validator).
func (g *Gate) invalid(ctx context.Context, in any) error {
	if g.validator == nil || in == nil {
		return nil
	}
	return g.validator.Validate(ctx, in)
}

// refused answers a call the gate refuses with err (AccessDeniedException,
// or the NotFoundException of a key it looked up): step 1's error when the
// request is invalid, err otherwise.
func (g *Gate) refused(ctx context.Context, in any, err error) error {
	if verr := g.invalid(ctx, in); verr != nil {
		return verr
	}
	return err
}
