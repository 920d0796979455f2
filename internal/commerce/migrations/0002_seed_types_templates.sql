-- +up
-- The document's MerchantTypes, and the categories a new merchant of each type starts with.
-- Seeded rows have small fixed ids, far below any snowflake id.
INSERT INTO {{table "merchant_types"}} (id, code, name, description, position) VALUES
    (1, 'DEFAULT', 'Cửa hàng bán lẻ', 'Bán lẻ hàng hóa tại quầy và trực tuyến', 1),
    (2, 'TICKET', 'Bán vé', 'Vé sự kiện, vé tham quan, dịch vụ', 2),
    (3, 'FNB', 'Ăn uống (F&B)', 'Quán cà phê, nhà hàng, quầy đồ uống', 3),
    (4, 'THEATER', 'Rạp hát, rạp chiếu phim', 'Vé theo ghế và quầy bắp nước', 4);

INSERT INTO {{table "category_templates"}} (id, merchant_type, code, name, parent_code, station_code, position, created_at, updated_at) VALUES
    (101, 'FNB', 'CA_PHE', 'Cà phê', '', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (102, 'FNB', 'TRA', 'Trà & Trà sữa', '', '', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (103, 'FNB', 'NUOC_EP', 'Nước ép & Sinh tố', '', '', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (104, 'FNB', 'DO_AN', 'Đồ ăn', '', '', 4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (105, 'FNB', 'BANH_NGOT', 'Bánh ngọt', '', '', 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (106, 'FNB', 'KHAC', 'Khác', '', '', 6, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (201, 'DEFAULT', 'HANG_HOA', 'Hàng hóa', '', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (202, 'DEFAULT', 'THUC_PHAM', 'Thực phẩm', '', '', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (203, 'DEFAULT', 'DO_UONG', 'Đồ uống', '', '', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (204, 'DEFAULT', 'GIA_DUNG', 'Đồ gia dụng', '', '', 4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (205, 'DEFAULT', 'KHAC', 'Khác', '', '', 5, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (301, 'TICKET', 'VE', 'Vé', '', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (302, 'TICKET', 'VE_VIP', 'Vé VIP', '', '', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (303, 'TICKET', 'DICH_VU', 'Dịch vụ', '', '', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (304, 'TICKET', 'QUA_LUU_NIEM', 'Quà lưu niệm', '', '', 4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (401, 'THEATER', 'VE', 'Vé xem', '', '', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (402, 'THEATER', 'BAP_NUOC', 'Bắp & Nước', '', '', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (403, 'THEATER', 'COMBO', 'Combo', '', '', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    (404, 'THEATER', 'QUA_LUU_NIEM', 'Quà lưu niệm', '', '', 4, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);
-- +down
DELETE FROM {{table "category_templates"}} WHERE id < 1000;
DELETE FROM {{table "merchant_types"}} WHERE id < 1000;
