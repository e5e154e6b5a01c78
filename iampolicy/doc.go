// Package iampolicy owns IAM policy documents: parsing them as AWS does
// (every accepted form, AWS's rejections with the statement and element named)
// and evaluating a request against them to Allow, ImplicitDeny or
// ExplicitDeny, with the statements that decided and the reason in words.
//
// It is pure: no I/O, no HTTP, and no knowledge of any one service beyond the
// strings in a request. Parsed policies are immutable values that can be
// evaluated concurrently and repeatedly.
package iampolicy
