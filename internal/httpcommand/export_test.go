package httpcommand

// Sign exposes sign to the tests.
var Sign = sign
