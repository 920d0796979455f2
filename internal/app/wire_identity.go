package app

import (
	"fmt"
	"net"
	"strconv"

	"github.com/banapos/bana/internal/identity"
	"github.com/banapos/bana/internal/platform/mail"
	"github.com/banapos/bana/internal/platform/module"
	"golang.org/x/crypto/bcrypt"
)

// identityWiring holds the identity module.
type identityWiring struct {
	Identity *identity.Module
	Mailer   mail.Mailer
}

// buildIdentity builds the identity module and makes it the platform's Basic verifier
// (buildCommerce sets the revocation lists).
func (a *App) buildIdentity() (module.Module, error) {
	a.Mailer = mail.New(a.Cfg.Mail, a.Log)
	if a.Cfg.Mail.Host == "" && a.Cfg.Env == "production" {
		a.Log.Warn("APP_ENV_MAIL_HOST is not set: verification mail, codes included, goes to the log")
	}
	cost := identity.DefaultBcryptCost
	if a.Cfg.Env == "test" {
		// Tests create and sign in hundreds of users; the work factor is not what they test.
		cost = bcrypt.MinCost
	}
	host := a.Cfg.Server.Host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	verifyURL := fmt.Sprintf("http://%s%s/auth/verify-email", net.JoinHostPort(host, strconv.Itoa(a.Cfg.Server.Port)), a.Cfg.Server.BasePath)
	m, err := identity.New(identity.Deps{Platform: a.Platform(), Mailer: a.Mailer, Redis: redisClient(a.Cfg.Redis.Cache)},
		identity.Options{BcryptCost: cost, VerifyURL: verifyURL, Namespace: a.Cfg.AppName})
	if err != nil {
		return nil, err
	}
	a.Identity = m
	a.Server.Auth.Basic = m
	return m, nil
}
