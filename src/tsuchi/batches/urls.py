from django.urls import path

from tsuchi.batches import views

app_name = "batches"

urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_create, name="create"),
    path("<int:batch_id>/", views.batch_detail, name="detail"),
]
