package commerce

import (
	"context"
	"errors"
	"fmt"
	"github.com/banapos/bana/internal/platform/db"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/banapos/bana/internal/platform/auth"
	"github.com/banapos/bana/internal/platform/errs"
	"github.com/banapos/bana/internal/platform/events"
	"github.com/banapos/bana/internal/platform/id"
	"github.com/banapos/bana/internal/platform/query"
	"github.com/riverqueue/river"
)

// SellerRegisteredKey is the onboarding key of the merchant made for a new seller: one per
// organizer, however often SellerRegistered arrives.
const SellerRegisteredKey = "SELLER_REGISTERED"

// DefaultStationCode is the station an FNB merchant starts with.
const DefaultStationCode = "MAIN"

// StationSeed, CategorySeed and ChannelSeed describe rows made at onboarding.
type (
	StationSeed struct {
		Code, Name string
	}
	CategorySeed struct {
		Code, Name, ParentCode, StationCode string
		TemplateID                          id.ID
	}
	ChannelSeed struct {
		Code, Name string
	}
)

// defaultChannels are the sale channels a merchant of each type starts with.
var defaultChannels = map[string][]ChannelSeed{
	TypeFNB:     {{"DINE_IN", "Tại chỗ"}, {"TAKE_AWAY", "Mang đi"}, {"DELIVERY", "Giao hàng"}},
	TypeDefault: {{"POS", "Tại quầy"}, {"ONLINE", "Trực tuyến"}},
	TypeTicket:  {{"BOX_OFFICE", "Quầy vé"}, {"ONLINE", "Trực tuyến"}},
	TypeTheater: {{"BOX_OFFICE", "Quầy vé"}, {"CONCESSION", "Quầy bắp nước"}, {"ONLINE", "Trực tuyến"}},
}

// defaultStations are the stations a merchant of each type starts with.
var defaultStations = map[string][]StationSeed{
	TypeFNB: {{DefaultStationCode, "Bếp & quầy pha chế"}},
}

// OnboardInput is a new merchant.
type OnboardInput struct {
	OrganizerID      id.ID // required of admins; others onboard into their own organizer
	Name             string
	Type             string // default FNB
	Status           string // default OPEN
	Currency         string // default VND
	Timezone         string // default Asia/Ho_Chi_Minh
	VATRate          string // default VAT10
	PriceIncludesTax *bool  // default true
	TaxCode          string
	Address          string
	Phone            string
	Email            string
	BarcodeConfig    *BarcodeConfig
	// Key makes onboarding idempotent: a second Onboard with the same organizer and key returns
	// the first merchant (Created false) and changes nothing. Empty: always a new merchant.
	Key string
	// Stations, Categories and SaleChannels replace the type's defaults when not nil.
	Stations     []StationSeed
	Categories   []CategorySeed
	SaleChannels []ChannelSeed
}

// Onboarding is the outcome of Onboard: the merchant and the ids of what it started with, by code.
type Onboarding struct {
	Merchant     Merchant
	Created      bool
	Stations     map[string]id.ID
	Categories   map[string]id.ID
	SaleChannels map[string]id.ID
}

func (in *OnboardInput) normalize(loc string) error {
	var err error
	if in.Name, err = cleanName(loc+".name", in.Name, 200); err != nil {
		return err
	}
	if in.Type == "" {
		in.Type = TypeFNB
	}
	if !slices.Contains(MerchantTypes, in.Type) {
		return errs.Field(loc+".type", "must be DEFAULT, TICKET, FNB or THEATER", in.Type)
	}
	if in.Status == "" {
		in.Status = Open
	}
	if in.Currency == "" {
		in.Currency = DefaultCurrency
	}
	if in.Timezone == "" {
		in.Timezone = DefaultTimezone
	}
	if in.VATRate == "" {
		in.VATRate = DefaultVATRate
	}
	if in.PriceIncludesTax == nil {
		t := true
		in.PriceIncludesTax = &t
	}
	m := Merchant{Name: in.Name, Type: in.Type, Status: in.Status, Currency: in.Currency, Timezone: in.Timezone,
		VATRate: in.VATRate, TaxCode: db.OptText(in.TaxCode), Address: db.OptText(in.Address), Phone: db.OptText(in.Phone), Email: db.OptText(in.Email),
		BarcodeConfig: in.BarcodeConfig}
	if err := validateMerchant(&m, loc); err != nil {
		return err
	}
	in.TaxCode, in.Address, in.Phone, in.Email = string(m.TaxCode), string(m.Address), string(m.Phone), string(m.Email)
	if len(in.Key) > 200 {
		return errs.Field(loc+".key", "is longer than 200 characters", nil)
	}
	return nil
}

// validateMerchant checks the writable fields of a merchant and cleans its texts.
func validateMerchant(m *Merchant, loc string) error {
	var err error
	if m.Name, err = cleanName(loc+".name", m.Name, 200); err != nil {
		return err
	}
	if m.Status != Open && m.Status != Closed {
		return errs.Field(loc+".status", "must be OPEN or CLOSED", m.Status)
	}
	if len(m.Currency) != 3 || strings.ToUpper(m.Currency) != m.Currency || !isLetters(m.Currency) {
		return errs.Field(loc+".currency", "must be an ISO 4217 code such as VND", m.Currency)
	}
	if _, err := time.LoadLocation(m.Timezone); err != nil || m.Timezone == "" || m.Timezone == "Local" {
		return errs.Field(loc+".timezone", "must be an IANA time zone such as Asia/Ho_Chi_Minh", m.Timezone)
	}
	if !slices.Contains(TaxRates, m.VATRate) {
		return errs.Field(loc+".vatRate", "must be one of "+strings.Join(TaxRates, ", "), m.VATRate)
	}
	for _, f := range []struct {
		name string
		v    *db.OptText
		max  int
	}{{"taxCode", &m.TaxCode, 20}, {"address", &m.Address, 500}, {"phone", &m.Phone, 30}, {"email", &m.Email, 200}} {
		if *f.v, err = cleanText(loc+"."+f.name, *f.v, f.max); err != nil {
			return err
		}
	}
	return m.BarcodeConfig.Validate(loc + ".barcodeConfig")
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// Onboard creates a merchant with its stations, categories (copied from the category templates
// of its type) and sale channels, and publishes CommerceInitialized, all in one transaction. With
// a Key it is idempotent (see OnboardInput.Key), also against a concurrent Onboard: the merchant
// insert does nothing on a conflict, and the later transaction finds the first one's merchant.
func (m *Module) Onboard(ctx context.Context, in OnboardInput) (*Onboarding, error) {
	if err := in.normalize("body"); err != nil {
		return nil, err
	}
	sc, err := auth.Tenancy(ctx)
	if err != nil {
		return nil, err
	}
	if !sc.All {
		if len(sc.MerchantIDs) > 0 {
			return nil, ErrOnlyOwnersOnboard
		}
		in.OrganizerID = sc.OrganizerID
	}
	if in.OrganizerID == 0 {
		return nil, errs.Field("body.organizerId", "is required", nil)
	}
	var out *Onboarding
	err = m.db.InTx(ctx, func(ctx context.Context) error {
		now := m.clock.Now()
		mer := Merchant{ID: m.ids.Next(), OrganizerID: in.OrganizerID, Name: in.Name, Type: in.Type, Status: in.Status,
			Currency: in.Currency, Timezone: in.Timezone, PriceIncludesTax: *in.PriceIncludesTax, VATRate: in.VATRate,
			TaxCode: db.OptText(in.TaxCode), Address: db.OptText(in.Address), Phone: db.OptText(in.Phone), Email: db.OptText(in.Email), BarcodeConfig: in.BarcodeConfig,
			CreatedAt: now, UpdatedAt: now}
		if in.Key != "" {
			mer.OnboardingKey = &in.Key
		}
		created, err := m.insertMerchantOnce(ctx, &mer)
		if err != nil {
			return err
		}
		if !created {
			out, err = m.existingOnboarding(ctx, in.OrganizerID, in.Key)
			return err
		}
		out = &Onboarding{Merchant: mer, Created: true, Stations: map[string]id.ID{}, Categories: map[string]id.ID{}, SaleChannels: map[string]id.ID{}}
		if err := m.seedMerchant(ctx, &mer, &in, out, now); err != nil {
			return err
		}
		_, err = m.bus.Publish(ctx, events.CommerceInitialized{OrganizerID: mer.OrganizerID, MerchantID: mer.ID,
			MerchantType: mer.Type, Currency: mer.Currency})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// seedMerchant makes a new merchant's stations, categories and sale channels.
func (m *Module) seedMerchant(ctx context.Context, mer *Merchant, in *OnboardInput, out *Onboarding, now time.Time) error {
	stations := in.Stations
	if stations == nil {
		stations = defaultStations[mer.Type]
	}
	var srows []Station
	for i, s := range stations {
		at := fmt.Sprintf("body.stations[%d]", i)
		name, err := cleanName(at+".name", s.Name, 100)
		if err != nil {
			return err
		}
		c, err := code(at+".code", s.Code, name)
		if err != nil {
			return err
		}
		if _, dup := out.Stations[c]; dup {
			return errs.Field(at+".code", "appears twice", c)
		}
		st := Station{ID: m.ids.Next(), OrganizerID: mer.OrganizerID, MerchantID: mer.ID, Code: c, Name: name, Position: i + 1, CreatedAt: now, UpdatedAt: now}
		srows = append(srows, st)
		out.Stations[c] = st.ID
	}
	if err := m.insert(ctx, &srows, len(srows)); err != nil {
		return err
	}

	cats := slices.Clone(in.Categories)
	if in.Categories == nil {
		var err error
		if cats, err = m.templateSeeds(ctx, mer.Type); err != nil {
			return err
		}
	}
	crows := make([]Category, 0, len(cats))
	byCode := map[string]*CategorySeed{}
	for i := range cats {
		c := &cats[i]
		at := fmt.Sprintf("body.categories[%d]", i)
		name, err := cleanName(at+".name", c.Name, 200)
		if err != nil {
			return err
		}
		cc, err := code(at+".code", c.Code, name)
		if err != nil {
			return err
		}
		if _, dup := byCode[cc]; dup {
			return errs.Field(at+".code", "appears twice", cc)
		}
		c.Name, c.Code = name, cc
		byCode[cc] = c
		out.Categories[cc] = m.ids.Next()
	}
	// Parents first, so that each row's parent exists when it is inserted.
	depths := map[string]int{}
	for i := range cats {
		depths[cats[i].Code] = depth(byCode, &cats[i])
	}
	sort.SliceStable(cats, func(i, j int) bool { return depths[cats[i].Code] < depths[cats[j].Code] })
	for i, c := range cats {
		row := Category{ID: out.Categories[c.Code], OrganizerID: mer.OrganizerID, MerchantID: mer.ID, Code: c.Code, Name: c.Name,
			Status: Active, Position: i + 1, CreatedAt: now, UpdatedAt: now}
		if c.ParentCode != "" {
			pid, ok := out.Categories[c.ParentCode]
			if !ok {
				return errs.Field("body.categories", "parent "+c.ParentCode+" of "+c.Code+" is not among the categories", c.ParentCode)
			}
			row.ParentID = &pid
		}
		sc := c.StationCode
		if sc == "" && len(srows) > 0 {
			sc = srows[0].Code // the merchant's default station
		}
		if sc != "" {
			sid, ok := out.Stations[sc]
			if !ok {
				return errs.Field("body.categories", "station "+sc+" of "+c.Code+" is not among the stations", sc)
			}
			row.StationID, row.StationCode = &sid, db.OptText(sc)
		}
		if c.TemplateID != 0 {
			tid := c.TemplateID
			row.TemplateID = &tid
		}
		crows = append(crows, row)
	}
	if err := m.insert(ctx, &crows, len(crows)); err != nil {
		return err
	}

	channels := in.SaleChannels
	if channels == nil {
		channels = defaultChannels[mer.Type]
	}
	var chrows []SaleChannel
	for i, c := range channels {
		at := fmt.Sprintf("body.saleChannels[%d]", i)
		name, err := cleanName(at+".name", c.Name, 100)
		if err != nil {
			return err
		}
		cc, err := code(at+".code", c.Code, name)
		if err != nil {
			return err
		}
		if _, dup := out.SaleChannels[cc]; dup {
			return errs.Field(at+".code", "appears twice", cc)
		}
		row := SaleChannel{ID: m.ids.Next(), OrganizerID: mer.OrganizerID, MerchantID: mer.ID, Code: cc, Name: name, Status: Active,
			Position: i + 1, CreatedAt: now, UpdatedAt: now}
		chrows = append(chrows, row)
		out.SaleChannels[cc] = row.ID
	}
	return m.insert(ctx, &chrows, len(chrows))
}

// depth counts a seed's ancestors (cycles stop at 32).
func depth(byCode map[string]*CategorySeed, c *CategorySeed) int {
	n := 0
	for c.ParentCode != "" && n < 32 {
		p, ok := byCode[c.ParentCode]
		if !ok {
			break
		}
		c = p
		n++
	}
	return n
}

// templateSeeds reads the category templates of a merchant type.
func (m *Module) templateSeeds(ctx context.Context, typ string) ([]CategorySeed, error) {
	rows, err := m.templates.Find(ctx, &query.Filter{Where: map[string]any{"merchantType": typ}, Order: []string{"position ASC"}, Limit: query.MaxLimit}, query.ExcludeDeleted)
	if err != nil {
		return nil, err
	}
	out := make([]CategorySeed, 0, len(rows))
	for _, t := range rows {
		out = append(out, CategorySeed{Code: t.Code, Name: t.Name, ParentCode: string(t.ParentCode), StationCode: string(t.StationCode), TemplateID: t.ID})
	}
	return out, nil
}

// existingOnboarding loads the merchant an earlier Onboard with the same key made.
func (m *Module) existingOnboarding(ctx context.Context, organizer id.ID, key string) (*Onboarding, error) {
	rows, err := m.merchants.Find(auth.System(ctx), &query.Filter{Where: map[string]any{"organizerId": organizer.String(), "onboardingKey": key}, Limit: 1}, query.IncludeDeleted)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errs.New(errs.Conflict, "onboarding conflicted with a merchant that cannot be found")
	}
	mer := rows[0]
	out := &Onboarding{Merchant: mer, Stations: map[string]id.ID{}, Categories: map[string]id.ID{}, SaleChannels: map[string]id.ID{}}
	if err := codes(ctx, m.stations, mer.ID, func(r *Station) { out.Stations[r.Code] = r.ID }); err != nil {
		return nil, err
	}
	if err := codes(ctx, m.categories, mer.ID, func(r *Category) { out.Categories[r.Code] = r.ID }); err != nil {
		return nil, err
	}
	if err := codes(ctx, m.channels, mer.ID, func(r *SaleChannel) { out.SaleChannels[r.Code] = r.ID }); err != nil {
		return nil, err
	}
	return out, nil
}

func codes[T any](ctx context.Context, t *query.Table[T], merchant id.ID, f func(*T)) error {
	rows, err := t.Find(auth.System(ctx), &query.Filter{Where: map[string]any{"merchantId": merchant.String()}, Limit: query.MaxLimit}, query.ExcludeDeleted)
	if err != nil {
		return err
	}
	for i := range rows {
		f(&rows[i])
	}
	return nil
}

// onSellerRegistered onboards a new seller's first merchant. The events platform runs it once
// per event, as the system (auth.System); the onboarding key also makes two different events for
// one organizer (a resent sign-up) make one merchant.
func (m *Module) onSellerRegistered(ctx context.Context, ev events.SellerRegistered, meta events.Meta) error {
	name := ev.MerchantName
	if strings.TrimSpace(name) == "" {
		name = ev.OrganizerName
	}
	if strings.TrimSpace(name) == "" {
		name = "Cửa hàng của tôi"
	}
	in := OnboardInput{OrganizerID: ev.OrganizerID, Name: name, Type: ev.MerchantType, Phone: ev.Phone, Email: ev.Email,
		Key: SellerRegisteredKey}
	res, err := m.Onboard(ctx, in)
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			// A payload that can never onboard: retrying will not help. The cancelled job stays
			// visible to admins, who can fix the cause and retry it.
			return river.JobCancel(fmt.Errorf("SellerRegistered %s: %w", meta.ID, err))
		}
		return err
	}
	m.log.InfoContext(ctx, "seller onboarded", "organizer", ev.OrganizerID, "merchant", res.Merchant.ID, "created", res.Created, "event", meta.ID)
	return nil
}

// merchantFor returns the merchant of a row being written, if the caller may act for it
// (auth.ActFor), for rows that carry merchantId. loc names the field in errors: a merchant that
// does not exist, is deleted or is another tenant's is the same 400.
func (m *Module) merchantFor(ctx context.Context, merchantID id.ID, loc string) (*Merchant, error) {
	if merchantID == 0 {
		return nil, errs.Field(loc, "is required", nil)
	}
	notYours := errs.Field(loc, "is not a merchant you may act for", merchantID.String())
	mer, err := m.merchants.Get(auth.System(ctx), merchantID, query.ExcludeDeleted)
	if errs.KindOf(err) == errs.NotFound {
		return nil, notYours
	}
	if err != nil {
		return nil, err
	}
	if err := auth.ActFor(ctx, mer.OrganizerID, mer.ID); err != nil {
		if errors.Is(err, auth.ErrNotYourMerchant) {
			return nil, notYours
		}
		return nil, err
	}
	return mer, nil
}
