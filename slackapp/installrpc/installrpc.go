// Package installrpc serves bastion.slack.v1.InstallationService: which
// features a Slack workspace can use and which scopes it lacks, answered
// from the installation store so a front end can show upgrade notices.
package installrpc

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	slackv1 "github.com/bastionhq/bastion/gen/bastion/slack/v1"
	"github.com/bastionhq/bastion/gen/bastion/slack/v1/slackv1connect"
	"github.com/bastionhq/bastion/slackapp"
)

// Scopes is what the service needs from slackapp: the scopes a feature
// needs that a team has not granted. *slackapp.Service satisfies it.
type Scopes interface {
	MissingScopes(ctx context.Context, teamID string, f slackapp.Feature) ([]string, error)
}

// Service implements slackv1connect.InstallationServiceHandler.
type Service struct {
	scopes     Scopes
	installURL string
}

var _ slackv1connect.InstallationServiceHandler = (*Service)(nil)

// New returns the service over scopes; installURL (may be empty) is the
// reinstall link put into answers.
func New(scopes Scopes, installURL string) *Service {
	return &Service{scopes: scopes, installURL: installURL}
}

// Handler returns the service's path and HTTP handler, built with opts
// (the permission service's authentication and metrics interceptors).
func (s *Service) Handler(opts ...connect.HandlerOption) (string, http.Handler) {
	return slackv1connect.NewInstallationServiceHandler(s, opts...)
}

// GetFeature says whether a team can use one feature.
func (s *Service) GetFeature(ctx context.Context, req *connect.Request[slackv1.GetFeatureRequest]) (*connect.Response[slackv1.GetFeatureResponse], error) {
	if req.Msg.GetTeamId() == "" || req.Msg.GetFeature() == "" {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("team_id and feature are required"))
	}
	f, err := s.feature(ctx, req.Msg.GetTeamId(), slackapp.Feature(req.Msg.GetFeature()))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&slackv1.GetFeatureResponse{Feature: f,
		InstallUrl: slackapp.InstallURLFor(s.installURL, req.Msg.GetTeamId())}), nil
}

// ListFeatures answers GetFeature for every known feature.
func (s *Service) ListFeatures(ctx context.Context, req *connect.Request[slackv1.ListFeaturesRequest]) (*connect.Response[slackv1.ListFeaturesResponse], error) {
	if req.Msg.GetTeamId() == "" {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("team_id is required"))
	}
	out := &slackv1.ListFeaturesResponse{InstallUrl: slackapp.InstallURLFor(s.installURL, req.Msg.GetTeamId())}
	for _, name := range slackapp.Features() {
		f, err := s.feature(ctx, req.Msg.GetTeamId(), name)
		if err != nil {
			return nil, err
		}
		out.Features = append(out.Features, f)
	}
	return connect.NewResponse(out), nil
}

// feature answers for one feature, mapping errors to status codes: an
// unknown feature is invalid, a team without an active installation is
// not found, and a store failure is unavailable.
func (s *Service) feature(ctx context.Context, teamID string, name slackapp.Feature) (*slackv1.Feature, error) {
	need, err := slackapp.FeatureScopes(name)
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("%w (known: %v)", err, slackapp.Features()))
	}
	missing, err := s.scopes.MissingScopes(ctx, teamID, name)
	switch {
	case errors.Is(err, slackapp.ErrNotInstalled):
		return nil, connect.NewError(connect.CodeNotFound, fmt.Errorf("team %s has no active installation of the app", teamID))
	case err != nil:
		return nil, connect.NewError(connect.CodeUnavailable, fmt.Errorf("installation store: %w", err))
	}
	f := &slackv1.Feature{Name: string(name), Available: len(missing) == 0, MissingScopes: missing}
	for _, sc := range need {
		f.RequiredScopes = append(f.RequiredScopes, sc.String())
	}
	return f, nil
}
