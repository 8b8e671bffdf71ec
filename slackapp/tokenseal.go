package slackapp

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// EncryptionKeyEnv names the environment variable holding the 32-byte
// token encryption key, as 64 hex digits or standard base64.
const EncryptionKeyEnv = "BASTION_ENCRYPTION_KEY"

// TokenSealer encrypts tokens at rest with AES-256-GCM.
type TokenSealer struct {
	aead cipher.AEAD
}

// ParseEncryptionKey decodes a 32-byte key written as hex or base64.
func ParseEncryptionKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if b, err := hex.DecodeString(text); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(text); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, fmt.Errorf("parse %s: want 32 bytes as 64 hex digits or base64", EncryptionKeyEnv)
}

// NewTokenSealer builds a sealer from a 32-byte key.
func NewTokenSealer(key []byte) (*TokenSealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("token encryption key: %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("token encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("token encryption key: %w", err)
	}
	return &TokenSealer{aead: aead}, nil
}

// Seal encrypts a token; the empty token stays empty.
func (s *TokenSealer) Seal(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal token: %w", err)
	}
	return "v1:" + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(token), nil)), nil
}

// Open decrypts what Seal produced.
func (s *TokenSealer) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	body, ok := strings.CutPrefix(sealed, "v1:")
	if !ok {
		return "", fmt.Errorf("open token: unknown format")
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", fmt.Errorf("open token: malformed")
	}
	plain, err := s.aead.Open(nil, raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("open token: wrong key or tampered data")
	}
	return string(plain), nil
}
