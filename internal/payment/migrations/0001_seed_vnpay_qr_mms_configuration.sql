-- +up
-- The document's payment-0001-seed-vnpay-qr-mms-configuration: the template of a merchant's
-- VNPAY-QR settings, disabled and without a secret. It belongs to no organizer (0), so only the
-- platform's staff see it in /configurations; a merchant stores its own filled-in copy as a
-- SECRET setting PAYMENT.VNPAY_QR_MMS (docs/payment.md). Seeded rows have small fixed ids.
INSERT INTO {{if pg}}public.{{end}}configurations (id, organizer_id, merchant_id, code, "group", description, data_type, value, created_at, updated_at)
VALUES (80001, 0, NULL, 'PAYMENT.VNPAY_QR_MMS', 'PAYMENT',
    'Template of the VNPAY-QR (MMS) settings. Store a filled-in copy, enabled, as the SECRET setting PAYMENT.VNPAY_QR_MMS of a merchant or organizer.',
    'JSON', '{"enabled":false,"appId":"","merchantName":"","merchantType":"","merchantCode":"","terminalId":"","productId":"","createUrl":"","checkUrl":"","refundUrl":"","secretKey":"","notifySecretKey":"","checkSecretKey":"","refundSecretKey":""}',
    CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
-- +down
DELETE FROM {{if pg}}public.{{end}}configurations WHERE id = 80001;
