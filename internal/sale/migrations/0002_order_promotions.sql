-- The promotions the final quote of an order applied, redeemed with pricing in the transaction
-- that marks the order paid (NULL: none, or an order checked out before this column existed).
-- +up
ALTER TABLE {{table "sale_orders"}} ADD COLUMN promotion_ids {{json}};
-- +down
ALTER TABLE {{table "sale_orders"}} DROP COLUMN promotion_ids;
