-- +up
-- Templates of the two providers the document does not seed (VNPAY's payment gateway and VietQR
-- bank transfers), disabled and without secrets, like 0001 and 0002. The gateway's URLs are
-- VNPAY's public sandbox; production URLs come from VNPAY with the merchant's terminal code.
INSERT INTO {{if pg}}public.{{end}}configurations (id, organizer_id, merchant_id, code, "group", description, data_type, value, created_at, updated_at)
VALUES (80003, 0, NULL, 'PAYMENT.VNPAY', 'PAYMENT',
    'Template of the VNPAY payment gateway settings. Store a filled-in copy, enabled, as the SECRET setting PAYMENT.VNPAY of a merchant or organizer.',
    'JSON', '{"enabled":false,"tmnCode":"","hashSecret":"","paymentUrl":"https://sandbox.vnpayment.vn/paymentv2/vpcpay.html","apiUrl":"https://sandbox.vnpayment.vn/merchant_webapi/api/transaction","returnUrl":"","ipAddr":"","orderType":"other","locale":"vn","bankCode":""}',
    CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (80004, 0, NULL, 'PAYMENT.VIETQR', 'PAYMENT',
    'Template of the VietQR bank-transfer settings. Store a filled-in copy, enabled, as the SECRET setting PAYMENT.VIETQR of a merchant or organizer.',
    'JSON', '{"enabled":false,"bankBin":"","accountNo":"","service":"QRIBFTTA","merchantName":"","merchantCity":"","mcc":"","purposePrefix":"BANA","syncUsername":"","syncPassword":"","tokenTtlSeconds":300}',
    CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
-- +down
DELETE FROM {{if pg}}public.{{end}}configurations WHERE id IN (80003, 80004);
