package main

import (
	"context"
	"fmt"

	"github.com/bastionhq/bastion/gen/bastion/slack/v1/slackv1connect"
	"github.com/bastionhq/bastion/server"
	"github.com/bastionhq/bastion/slackapp"
	"github.com/bastionhq/bastion/slackapp/installrpc"
	"github.com/bastionhq/bastion/store/installsql"
	"github.com/bastionhq/bastion/store/sqldb"
)

// installationService serves which features each workspace can use
// (bastion.slack.v1.InstallationService) from the installation store,
// opened with the token key. installURL is the reinstall link it hands out.
func installationService(ctx context.Context, db *sqldb.DB, encryptionKey, installURL string) (server.Service, error) {
	key, err := slackapp.ParseEncryptionKey(encryptionKey)
	if err != nil {
		return server.Service{}, fmt.Errorf("installation service: %w", err)
	}
	sealer, err := slackapp.NewTokenSealer(key)
	if err != nil {
		return server.Service{}, fmt.Errorf("installation service: %w", err)
	}
	store, err := installsql.Open(ctx, db, sealer)
	if err != nil {
		return server.Service{}, fmt.Errorf("installation service: %w", err)
	}
	return installationServiceOf(slackapp.NewService(store, slackapp.ServiceOptions{}), installURL), nil
}

// installationServiceOf serves svc's feature answers.
func installationServiceOf(svc installrpc.Scopes, installURL string) server.Service {
	return server.Service{Name: slackv1connect.InstallationServiceName, Handler: installrpc.New(svc, installURL).Handler}
}
