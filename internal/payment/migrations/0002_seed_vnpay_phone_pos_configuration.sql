-- +up
-- The document's payment-0002-seed-vnpay-phone-pos-configuration: the template of a merchant's
-- VNPAY phone POS bridge, disabled. VNPAY publishes no API for the phone POS: BANA talks to a
-- bridge the merchant runs (docs/payment.md), so the template names that bridge's endpoint.
INSERT INTO {{if pg}}public.{{end}}configurations (id, organizer_id, merchant_id, code, "group", description, data_type, value, created_at, updated_at)
VALUES (80002, 0, NULL, 'PAYMENT.VNPAY_PHONE_POS', 'PAYMENT',
    'Template of the VNPAY phone POS bridge settings. Store a filled-in copy, enabled, as the SECRET setting PAYMENT.VNPAY_PHONE_POS of a merchant or organizer.',
    'JSON', '{"enabled":false,"endpoint":"","terminalId":"","secret":""}',
    CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
-- +down
DELETE FROM {{if pg}}public.{{end}}configurations WHERE id = 80002;
