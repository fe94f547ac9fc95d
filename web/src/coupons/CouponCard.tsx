// A coupon drawn as the member's wallet shows it: face value on the stub; title, rule, scope and validity beside it.
// The template page and the template form (as a live preview) both use it.
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import './coupons.css';
import { type CouponTerms, faceValue, headline, scopeText, validityText } from './preview.ts';

export function CouponCard({ terms, title, inactive }: { terms: CouponTerms; title: string; inactive?: boolean }) {
  const { t } = useTranslation();
  const scope = scopeText(t, terms);
  return (
    <div className="coupon-card" data-testid="coupon-preview">
      <div className={`coupon-card-stub${inactive ? ' is-inactive' : ''}`}>
        <span className="coupon-card-face">{faceValue(t, terms)}</span>
      </div>
      <div className="coupon-card-body">
        <Typography.Text className="coupon-card-title" ellipsis>
          {title || t('coupons.preview.untitled')}
        </Typography.Text>
        <Typography.Text className="coupon-headline" data-testid="coupon-headline">
          {headline(t, terms)}
        </Typography.Text>
        {scope && (
          <Typography.Text type="secondary" className="small-text">
            {scope}
          </Typography.Text>
        )}
        <Typography.Text type="secondary" className="small-text">
          {validityText(t, terms)}
        </Typography.Text>
      </div>
    </div>
  );
}
